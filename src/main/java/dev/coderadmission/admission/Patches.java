package dev.coderadmission.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;

import java.util.List;

/**
 * Patches from the raw object (controller-runtime's PatchResponseFromRaw): the diff between the tree
 * the API server sent and the mutated tree, so fields no model knows survive and an unchanged object
 * gives an empty patch. Only add/remove/replace: move and copy ops are harder to read in audit logs.
 */
public final class Patches {
    private Patches() {
    }

    public static JsonNode diff(JsonNode original, JsonNode mutated) {
        return JsonDiff.asJson(original, mutated, DiffFlags.dontNormalizeOpIntoMoveAndCopy());
    }

    /** A Patch decision, or Allow when nothing changed. */
    public static Decision decide(JsonNode original, JsonNode mutated, List<String> warnings) {
        var patch = diff(original, mutated);
        return patch.isEmpty() ? Decision.allow(warnings) : new Decision.Patch(patch, warnings);
    }
}
