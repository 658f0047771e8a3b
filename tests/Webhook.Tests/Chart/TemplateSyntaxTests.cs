using System.Text.Json.Nodes;
using DeadlineGuard.Json;
using YamlDotNet.Core;

namespace DeadlineGuard.Tests.Chart;

/// <summary>Every template is well-formed Go template text, and its static parts are YAML objects (no helm binary needed).</summary>
public sealed class TemplateSyntaxTests
{
    public static TheoryData<string> Templates => new(ChartFiles.TemplateNames);

    public static TheoryData<string> Manifests => new(ChartFiles.ManifestNames);

    [Theory]
    [MemberData(nameof(Templates))]
    public void Every_template_has_balanced_actions_and_blocks(string name)
    {
        GoTemplateText.StructureProblems(ChartFiles.Template(name)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Every_manifest_template_renders_statically_to_Kubernetes_objects(string name)
    {
        var yaml = ChartFiles.Renderer.StaticYaml(ChartFiles.Template(name));

        IReadOnlyList<YamlDocumentNode> documents = [];
        Should.NotThrow(() => documents = YamlJson.ParseStream(yaml), $"static YAML of {name}:\n{yaml}");
        var objects = documents.Select(d => d.Root).OfType<JsonObject>().ToList();
        objects.ShouldNotBeEmpty();
        objects.ShouldAllBe(o => o["apiVersion"] is JsonValue && o["kind"] is JsonValue && o["metadata"]!["name"] is JsonValue);
    }

    [Fact]
    public void Every_template_is_named_after_the_kind_it_renders()
    {
        foreach (var name in ChartFiles.ManifestNames.Where(n => !n.StartsWith("tests/", StringComparison.Ordinal)))
        {
            var kind = ChartFiles.StaticObjects(name)[0]["kind"]!.GetValue<string>().ToLowerInvariant();
            Path.GetFileName(name).ShouldStartWith(kind, customMessage: $"{name} renders a {kind}");
        }
    }

    [Fact]
    public void The_helpers_define_the_names_the_templates_include()
    {
        var included = ChartFiles.TemplateNames
            .SelectMany(n => GoTemplateText.Actions(ChartFiles.Template(n)))
            .SelectMany(a => System.Text.RegularExpressions.Regex.Matches(a.Text, "include \"([^\"]+)\"").Select(m => m.Groups[1].Value))
            .ToHashSet();

        included.ShouldNotBeEmpty();
        included.Except(ChartFiles.Defines.Keys).ShouldBeEmpty();
    }

    // The checker itself must catch what it claims to catch.
    [Theory]
    [InlineData("a: {{ .Values.x }", "never closed")]
    [InlineData("a: {{ .Values.x {{ .Values.y }}", "opens again")]
    [InlineData("{{- if .Values.x }}\na: 1\n", "if is never closed")]
    [InlineData("a: 1\n{{- end }}\n", "end without a block")]
    [InlineData("{{- else }}\n", "else outside")]
    [InlineData("{{- range .Values.x }}\n{{- define \"n\" }}{{ end }}\n{{- end }}", "define inside a block")]
    [InlineData("a: {{ include\n \"x\" . }}", "spans several lines")]
    public void The_structure_check_reports_broken_templates(string template, string problem)
    {
        GoTemplateText.StructureProblems(template).ShouldContain(p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void The_structure_check_accepts_comments_else_branches_and_literal_closing_braces()
    {
        const string template = """
            {{/* a comment
                 over two lines */}}
            {{- if .Values.a }}
            a: '{"x":{}}'
            {{- else if .Values.b }}
            b: 1
            {{- else }}
            c: 2
            {{- end }}
            """;

        GoTemplateText.StructureProblems(template).ShouldBeEmpty();
    }

    [Fact]
    public void Static_rendering_keeps_the_first_branch_expands_includes_and_fills_in_default_values()
    {
        var values = new JsonObject { ["replicas"] = 3, ["name"] = "web", ["sc"] = new JsonObject { ["runAsNonRoot"] = true } };
        var renderer = new GoTemplateText(values, new Dictionary<string, string> { ["labels"] = "app: {{ .Values.name }}\ntier: {{ .component }}\nroot: {{ .root }}" });
        const string template = """
            kind: Deployment
            metadata:
              labels:
                {{- include "labels" (dict "root" . "component" "x") | nindent 4 }}
            spec:
              replicas: {{ .Values.replicas }}
              name: {{ .Values.name | quote }}
              {{- if .Values.other }}
              first: {{ printf "%s" "x" }}
              {{- else }}
              first: dropped
              {{- end }}
              securityContext:
                {{- toYaml .Values.sc | nindent 4 }}
            """;

        var root = YamlJson.ParseStream(renderer.StaticYaml(template)).Single().Root!;

        root["metadata"]!["labels"]!["app"]!.GetValue<string>().ShouldBe("web");
        root["metadata"]!["labels"]!["tier"]!.GetValue<string>().ShouldBe("x");
        root["metadata"]!["labels"]!["root"]!.GetValue<string>().ShouldBe(GoTemplateText.Placeholder);
        root["spec"]!["replicas"]!.GetValue<int>().ShouldBe(3);
        root["spec"]!["name"]!.GetValue<string>().ShouldBe("web");
        root["spec"]!["first"]!.GetValue<string>().ShouldBe(GoTemplateText.Placeholder);
        root["spec"]!["securityContext"]!["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public void Static_rendering_of_a_duplicate_key_fails_to_parse()
    {
        var yaml = new GoTemplateText(new JsonObject(), new Dictionary<string, string>()).StaticYaml("a: 1\na: {{ .Values.x }}");

        Should.Throw<YamlException>(() => YamlJson.ParseStream(yaml));
    }
}
