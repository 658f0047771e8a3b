using System.Net;
using DeadlineGuard.Tests.Support.FakeKube;

namespace DeadlineGuard.Tests.Chart;

/// <summary>
/// A test double of `kubectl delete TYPE/NAME... [--ignore-not-found] [--wait=false] [--namespace NS]`, the pre-delete
/// hook's command, against the fake API server. As kubernetes/kubectl pkg/cmd/delete/delete.go does it: the resource
/// builder is RequireObject(false), so nothing is read first; DeleteResult sends one DELETE per object, in the order
/// given; with --ignore-not-found a 404 is not an error; with --wait=false nothing is watched. In a pod the default
/// namespace is the pod's own (the service account's namespace file). Any other refusal (403) is an error: exit 1.
/// </summary>
public static class KubectlDeleteDouble
{
    private static readonly Dictionary<string, (string Prefix, bool Namespaced)> Types = new(StringComparer.Ordinal)
    {
        ["mutatingwebhookconfiguration"] = ("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", false),
        ["validatingwebhookconfiguration"] = ("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", false),
        ["secret"] = ("/api/v1/secrets", true),
    };

    public static async Task<int> RunAsync(FakeKubeApiServer api, IReadOnlyList<string> args, string podNamespace, TextWriter output)
    {
        if (args is not ["delete", ..])
        {
            throw new NotSupportedException($"the kubectl double only deletes: {string.Join(' ', args)}");
        }

        var ignoreNotFound = args.Contains("--ignore-not-found");
        var ns = args.SkipWhile(a => a is not ("--namespace" or "-n")).Skip(1).FirstOrDefault() ?? podNamespace;
        var targets = args.Skip(1).Where(a => a.Contains('/', StringComparison.Ordinal) && !a.StartsWith('-')).ToList();
        using var client = api.CreateClient();
        foreach (var target in targets)
        {
            var (type, name) = (target[..target.IndexOf('/', StringComparison.Ordinal)], target[(target.IndexOf('/', StringComparison.Ordinal) + 1)..]);
            if (!Types.TryGetValue(type, out var route))
            {
                throw new NotSupportedException($"the kubectl double does not know the type {type}");
            }

            var path = route.Namespaced ? route.Prefix.Replace("/api/v1/", $"/api/v1/namespaces/{ns}/", StringComparison.Ordinal) + "/" + name : route.Prefix + "/" + name;
            using var response = await client.HttpClient.DeleteAsync(new Uri(api.Url + path));
            if (response.StatusCode == HttpStatusCode.NotFound && ignoreNotFound)
            {
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                await output.WriteLineAsync($"Error from server ({response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
                return 1;
            }

            await output.WriteLineAsync($"{type} \"{name}\" deleted");
        }

        return 0;
    }
}
