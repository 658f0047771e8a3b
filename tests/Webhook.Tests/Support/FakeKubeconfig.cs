using System.Text;

namespace DeadlineGuard.Tests.Support;

/// <summary>
/// A kubeconfig for the tests' fake API server, as kubectl reads one: one cluster <c>fake</c> at the server's URL, a
/// token user for each context, and the contexts given; the first one is the current context.
/// </summary>
public static class FakeKubeconfig
{
    public static string Write(string folder, string server, params KubeContext[] contexts)
    {
        var path = Path.Combine(folder, $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, Text(server, contexts));
        return path;
    }

    public static string Text(string server, params KubeContext[] contexts)
    {
        var text = new StringBuilder()
            .AppendLine("apiVersion: v1")
            .AppendLine("kind: Config")
            .AppendLine("clusters:")
            .AppendLine("- name: fake")
            .AppendLine("  cluster:")
            .AppendLine($"    server: {server}")
            .AppendLine("users:");
        foreach (var user in contexts.Select(c => c.User).Distinct(StringComparer.Ordinal))
        {
            text.AppendLine($"- name: {user}").AppendLine("  user:").AppendLine("    token: fake-token");
        }

        text.AppendLine("contexts:");
        foreach (var context in contexts)
        {
            text.AppendLine($"- name: {context.Name}")
                .AppendLine("  context:")
                .AppendLine("    cluster: fake")
                .AppendLine($"    user: {context.User}");
            if (context.Namespace is not null)
            {
                text.AppendLine($"    namespace: {context.Namespace}");
            }
        }

        return text.AppendLine($"current-context: {contexts[0].Name}").ToString();
    }
}
