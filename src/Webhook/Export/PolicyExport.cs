using System.Text;
using System.Text.Json.Nodes;

namespace DeadlineGuard.Export;

/// <summary>An exported policy: the header comment and the Kubernetes objects, in the order they are written.</summary>
public sealed record PolicyExport(IReadOnlyList<string> Header, IReadOnlyList<JsonObject> Objects)
{
    /// <summary>Multi-document YAML: the header as comments, then one document per object.</summary>
    public string ToYaml()
    {
        var text = new StringBuilder();
        foreach (var line in Header)
        {
            text.Append(line.Length == 0 ? "#" : "# " + line).Append('\n');
        }

        foreach (var obj in Objects)
        {
            text.Append("---\n").Append(YamlWriter.Write(obj));
        }

        return text.ToString();
    }
}
