package dev.coderadmission.cluster;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.List;

/** Something fed by informers: admission answers may be wrong until it has listed once. */
public interface Synced {
    String name();

    /** Whether every informer behind it has listed once. */
    boolean hasSynced();

    /** Whether every informer behind it is listed and watching right now (false while it re-lists or reconnects). */
    boolean isWatching();

    static boolean allSynced(List<? extends SharedIndexInformer<?>> informers) {
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    static boolean allWatching(List<? extends SharedIndexInformer<?>> informers) {
        return informers.stream().allMatch(i -> i.hasSynced() && i.isWatching());
    }
}
