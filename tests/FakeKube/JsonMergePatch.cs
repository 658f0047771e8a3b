using System.Text.Json.Nodes;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>RFC 7386 JSON Merge Patch: objects merge key by key, null removes a key, anything else replaces.</summary>
public static class JsonMergePatch
{
    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="target"/>; neither input changes.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                result[name] = Apply(result[name], value);
            }
        }

        return result;
    }
}
