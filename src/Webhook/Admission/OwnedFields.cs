using System.Text.Json.Nodes;
using DeadlineGuard.History;

namespace DeadlineGuard.Admission;

/// <summary>
/// The parts of a Rollout the webhook may change, copied out with their parents' presence intact, so that
/// mutating and diffing touch a few small nodes instead of the whole object (managedFields, the pod
/// template, the last-applied annotation). A diff of two such views yields the same operations as a diff
/// of the whole objects, because nothing outside them ever changes.
/// </summary>
public static class OwnedFields
{
    private static readonly string[] SpecFields = ["progressDeadlineSeconds", "progressDeadlineAbort", "minReadySeconds"];

    public static JsonObject Extract(JsonObject rollout)
    {
        var view = new JsonObject();
        if (rollout.TryGetPropertyValue("spec", out var spec))
        {
            view["spec"] = spec is JsonObject specObject ? Pick(specObject, SpecFields) : spec?.DeepClone();
        }

        if (rollout.TryGetPropertyValue("metadata", out var metadata))
        {
            if (metadata is JsonObject metadataObject)
            {
                var metadataView = new JsonObject();
                if (metadataObject.TryGetPropertyValue("annotations", out var annotations))
                {
                    metadataView["annotations"] = annotations is JsonObject annotationsObject
                        ? Pick(annotationsObject, [RevisionHistoryAnnotation.Key])
                        : annotations?.DeepClone();
                }

                view["metadata"] = metadataView;
            }
            else
            {
                view["metadata"] = metadata?.DeepClone();
            }
        }

        return view;
    }

    private static JsonObject Pick(JsonObject source, string[] names)
    {
        var picked = new JsonObject();
        foreach (var name in names)
        {
            if (source.TryGetPropertyValue(name, out var value))
            {
                picked[name] = value?.DeepClone();
            }
        }

        return picked;
    }
}
