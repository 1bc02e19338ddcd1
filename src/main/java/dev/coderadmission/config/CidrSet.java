package dev.coderadmission.config;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;

import java.util.List;

/**
 * A set of IPv4/IPv6 prefixes. The parsing and containment math is the ipaddress library's;
 * it never resolves names (unlike {@link java.net.InetAddress#getByName}), so it is safe on the
 * admission path.
 */
public final class CidrSet {
    private final List<IPAddress> blocks;
    private final List<String> source;

    private CidrSet(List<IPAddress> blocks, List<String> source) {
        this.blocks = blocks;
        this.source = source;
    }

    /** @throws IllegalArgumentException naming the first entry that is not an address or prefix */
    public static CidrSet parse(List<String> cidrs) {
        var parsed = cidrs.stream().map(CidrSet::parseBlock).toList();
        return new CidrSet(parsed, List.copyOf(cidrs));
    }

    private static IPAddress parseBlock(String cidr) {
        try {
            var address = new IPAddressString(cidr.trim()).toAddress();
            // "10.1.2.3/8" means the block 10.0.0.0/8, as in Kubernetes' loadBalancerSourceRanges.
            return address.isPrefixed() ? address.toPrefixBlock() : address;
        } catch (AddressStringException e) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not an IP address or CIDR", e);
        }
    }

    /** Whether {@code ip} is a literal IPv4/IPv6 address inside one of the prefixes; false for non-addresses. */
    public boolean contains(String ip) {
        var address = new IPAddressString(ip.trim()).getAddress();
        if (address == null || address.isPrefixed()) {
            return false;
        }
        for (var block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public static boolean isAddress(String ip) {
        var address = new IPAddressString(ip.trim()).getAddress();
        return address != null && !address.isPrefixed();
    }

    @Override
    public String toString() {
        return String.join(", ", source);
    }
}
