package dev.coderadmission.admission;

/** {@code request.operation} of an AdmissionReview. */
public enum Operation {
    CREATE, UPDATE, DELETE, CONNECT;

    /** Mutations and validation of content only make sense for writes that carry an object. */
    public boolean writesObject() {
        return this == CREATE || this == UPDATE;
    }
}
