package dev.coderadmission.kube;

/** Something fed by an informer: admission answers may be wrong until it has listed once. */
public interface Synced {
    String name();

    boolean hasSynced();
}
