package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads an AdmissionReview request in one pass over its bytes ({@link JsonScanner}): the envelope
 * fields (uid, kind, namespace, operation, dryRun) as values, the objects as byte ranges that become
 * trees only when a policy asks ({@link AdmissionRequest#object()}). The pass checks the whole body,
 * so malformed JSON is a 400 here and never later inside a policy.
 *
 * <p>{@code metadata.managedFields} is cut out of the objects before they are parsed: no policy reads
 * it, and it is the densest part of every object kube-apiserver sends (a fifth to a quarter of the
 * bytes, hundreds of tiny maps). A patch never touches it, so cutting it changes no answer.
 */
final class ReviewReader {
    private final byte[] body;
    private final JsonScanner scan;

    private String apiVersion = "";
    private String reviewKind = "";
    private boolean hasRequest;
    private String uid = "";
    private boolean kindIsObject;
    private String group = "";
    private String version = "";
    private String kind = "";
    private String namespace = "";
    private String name = "";
    private String operation = "";
    private boolean dryRun;
    private Range object;
    private Range oldObject;

    /**
     * An object's bytes {@code [start, end)}, the managedFields member to leave out ({@code cutStart < 0}:
     * none), and its metadata's namespace and generateName (null when not a string).
     */
    private record Range(int start, int end, int cutStart, int cutEnd, String namespace, String generateName) {
    }

    private ReviewReader(byte[] body) {
        this.body = body;
        this.scan = new JsonScanner(body);
    }

    static AdmissionRequest read(byte[] body) throws InvalidReviewException {
        var reader = new ReviewReader(body);
        try {
            if (!reader.review()) {
                throw new InvalidReviewException("body is not a JSON object");
            }
        } catch (JsonScanner.Malformed e) {
            throw new InvalidReviewException("body is not valid JSON: " + e.getMessage());
        }
        return reader.toRequest();
    }

    /** Reads the review; false when the body is JSON but not an object. Content after the object is ignored, as Jackson does. */
    private boolean review() throws JsonScanner.Malformed {
        int first = scan.peek();
        if (first != '{') {
            if (first >= 0) {
                scan.value(); // malformed JSON says so; anything else is "not an object"
            }
            return false;
        }
        scan.members(field -> {
            switch (field) {
                case "apiVersion" -> apiVersion = string();
                case "kind" -> reviewKind = string();
                case "request" -> {
                    hasRequest = scan.peek() == '{';
                    if (hasRequest) {
                        scan.members(this::requestField);
                    } else {
                        scan.value();
                    }
                }
                default -> scan.value();
            }
        });
        return true;
    }

    private void requestField(String field) throws JsonScanner.Malformed {
        switch (field) {
            case "uid" -> uid = string();
            case "kind" -> {
                kindIsObject = scan.peek() == '{';
                group = "";
                version = "";
                kind = "";
                if (!kindIsObject) {
                    scan.value();
                    return;
                }
                scan.members(kindField -> {
                    switch (kindField) {
                        case "group" -> group = string();
                        case "version" -> version = string();
                        case "kind" -> kind = string();
                        default -> scan.value();
                    }
                });
            }
            case "namespace" -> namespace = string();
            case "name" -> name = string();
            case "operation" -> operation = string();
            case "object" -> object = object();
            case "oldObject" -> oldObject = object();
            case "dryRun" -> dryRun = bool();
            default -> scan.value();
        }
    }

    /** A string value, or "" for any other value (which is skipped), as {@code JsonNode.textValue} would have it. */
    private String string() throws JsonScanner.Malformed {
        if (scan.peek() != '"') {
            scan.value();
            return "";
        }
        return scan.text(scan.string());
    }

    /** {@code JsonNode.asBoolean(false)}: true, "true", or a non-zero integer. */
    private boolean bool() throws JsonScanner.Malformed {
        int first = scan.peek();
        if (first == '"') {
            return "true".equals(string().trim());
        }
        int start = scan.pos;
        scan.value();
        if (first == 't') {
            return true;
        }
        if (first != '-' && (first < '0' || first > '9')) {
            return false;
        }
        boolean nonZero = false;
        for (int i = start; i < scan.pos; i++) {
            byte b = body[i];
            if (b == '.' || b == 'e' || b == 'E') {
                return false; // a floating-point node is never true
            }
            nonZero |= b >= '1' && b <= '9';
        }
        return nonZero;
    }

    /**
     * The byte range of an object value (null for anything else), with its metadata.managedFields
     * located and its metadata.namespace and generateName read on the way (a log line names the
     * object by them, and needs no tree for it then).
     */
    private Range object() throws JsonScanner.Malformed {
        if (scan.peek() != '{') {
            scan.value();
            return null;
        }
        int start = scan.pos;
        int[] cut = {-1, -1};
        // as JsonNode.path(...).asText("") reads them: "" when absent; null (ask the tree) when not a string
        String[] names = {"", ""};
        scan.members(field -> {
            if (!"metadata".equals(field)) {
                scan.value();
                return;
            }
            // the last metadata member is the one a tree keeps
            names[0] = "";
            names[1] = "";
            if (scan.peek() != '{') {
                scan.value();
                return;
            }
            scan.members(metadataField -> {
                int keyStart = scan.memberStart;
                switch (metadataField) {
                    case "namespace" -> names[0] = stringOrNull();
                    case "generateName" -> names[1] = stringOrNull();
                    case "managedFields" -> {
                        scan.value();
                        cut[0] = keyStart;
                        cut[1] = scan.pos;
                    }
                    default -> scan.value();
                }
            });
        });
        return new Range(start, scan.pos, cut[0], cut[1], names[0], names[1]);
    }

    /** A string value, or null for any other value (which is skipped). */
    private String stringOrNull() throws JsonScanner.Malformed {
        if (scan.peek() != '"') {
            scan.value();
            return null;
        }
        return scan.text(scan.string());
    }

    private AdmissionRequest toRequest() throws InvalidReviewException {
        if (!AdmissionReviews.API_VERSION.equals(apiVersion)) {
            throw new InvalidReviewException("apiVersion \"" + apiVersion + "\" is not supported, expected \""
                    + AdmissionReviews.API_VERSION + "\" (set admissionReviewVersions: [v1] in the webhook configuration)");
        }
        if (!AdmissionReviews.KIND.equals(reviewKind)) {
            throw new InvalidReviewException("kind \"" + reviewKind + "\" is not " + AdmissionReviews.KIND);
        }
        if (!hasRequest) {
            throw new InvalidReviewException("AdmissionReview has no request object");
        }
        if (uid.isBlank()) {
            throw new InvalidReviewException("request.uid is missing");
        }
        if (!kindIsObject || kind.isEmpty() || version.isEmpty()) {
            throw new InvalidReviewException("request.kind must name a group, version and kind");
        }
        Operation op;
        try {
            op = Operation.valueOf(operation.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidReviewException("request.operation \"" + operation + "\" is not one of CREATE, UPDATE, DELETE, CONNECT");
        }
        if (op.writesObject() && object == null) {
            throw new InvalidReviewException("request.object is missing for " + op);
        }
        return new AdmissionRequest(uid, group, version, kind, namespace, name, op, tree(object), tree(oldObject), dryRun);
    }

    private AdmissionRequest.ObjectSource tree(Range range) {
        if (range == null) {
            return MissingNode::getInstance;
        }
        return new AdmissionRequest.ObjectSource() {
            @Override
            public JsonNode tree() {
                try {
                    // without managedFields to cut, the body's own bytes are read in place
                    return range.cutStart() < 0
                            ? AdmissionReviews.JSON.readTree(body, range.start(), range.end() - range.start())
                            : AdmissionReviews.JSON.readTree(json());
                } catch (IOException e) {
                    throw new UnreadableObjectException("request object is not valid JSON: " + e.getMessage(), e);
                }
            }

            @Override
            public byte[] json() {
                return bytes(range);
            }

            @Override
            public AdmissionRequest.ObjectBytes unparsed() {
                return new AdmissionRequest.ObjectBytes(body, range.start(), range.end());
            }

            @Override
            public String metadataText(String field) {
                return switch (field) {
                    case "namespace" -> range.namespace();
                    case "generateName" -> range.generateName();
                    default -> null;
                };
            }
        };
    }

    /** The object's bytes without its managedFields member (and one comma with it). */
    private byte[] bytes(Range range) {
        if (range.cutStart() < 0) {
            return Arrays.copyOfRange(body, range.start(), range.end());
        }
        int cutStart = range.cutStart();
        int cutEnd = range.cutEnd();
        // take one comma with the member: the one after it, or (when it is the last member) the one before
        int after = cutEnd;
        while (JsonScanner.isSpace(body[after])) {
            after++;
        }
        if (body[after] == ',') {
            cutEnd = after + 1;
        } else {
            int before = cutStart - 1;
            while (JsonScanner.isSpace(body[before])) {
                before--;
            }
            if (body[before] == ',') {
                cutStart = before;
            }
        }
        var spliced = new byte[(cutStart - range.start()) + (range.end() - cutEnd)];
        System.arraycopy(body, range.start(), spliced, 0, cutStart - range.start());
        System.arraycopy(body, cutEnd, spliced, cutStart - range.start(), range.end() - cutEnd);
        return spliced;
    }
}
