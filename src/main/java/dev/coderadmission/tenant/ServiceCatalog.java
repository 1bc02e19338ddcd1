package dev.coderadmission.tenant;

import java.util.Map;
import java.util.Optional;

/**
 * Read-only knowledge about Services that the exposure guard cannot see in the object under review:
 * which Services are KubeVirt CCM mirrors of Coder's tenant Services. Backed by an informer in the
 * management cluster and by {@code --state} files in the dry-run CLI; lookups are in-memory only.
 */
@FunctionalInterface
public interface ServiceCatalog {

    /** Nothing known: only what the reviewed object itself says counts. */
    ServiceCatalog EMPTY = (namespace, name) -> Optional.empty();

    /**
     * Why {@code namespace/name} is a Coder Service (e.g. "mirrors tenant Service coder/coder"), or empty.
     */
    Optional<String> coderService(String namespace, String name);

    /** A fixed catalog, keyed by "namespace/name". */
    static ServiceCatalog of(Map<String, String> reasonsByKey) {
        var copy = Map.copyOf(reasonsByKey);
        return (namespace, name) -> Optional.ofNullable(copy.get(namespace + "/" + name));
    }
}
