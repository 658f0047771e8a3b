using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>The HTTP side: recording, injected failures, routing and the handlers.</summary>
public sealed partial class FakeKubeApiServer
{
    private static readonly byte[] Comma = ","u8.ToArray();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        var recorded = requests.Add(n => new RecordedRequest(
            n, request.Method, request.Path.Value + request.QueryString.Value, request.ContentType, body, request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null));
        TakeHook(recorded)?.Invoke();
        try
        {
            if (TakeFailure(recorded) is { } code)
            {
                throw new FakeKubeStatusException(code, KubeStatus.ReasonFor(code), $"injected failure {code} for {recorded.Method} {recorded.Path}");
            }

            if (Authorizer?.Invoke(recorded) is { } refusal)
            {
                throw new FakeKubeStatusException(403, "Forbidden", refusal);
            }

            await DispatchAsync(context, recorded);
        }
        catch (FakeKubeStatusException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, e.Code, e.ToStatus());
        }
    }

    private Action? TakeHook(RecordedRequest recorded)
    {
        lock (failuresGate)
        {
            var index = hooks.FindIndex(h => h.Match(recorded));
            if (index < 0)
            {
                return null;
            }

            var action = hooks[index].Action;
            hooks.RemoveAt(index);
            return action;
        }
    }

    private int? TakeFailure(RecordedRequest recorded)
    {
        lock (failuresGate)
        {
            var rule = failures.Find(f => f.Remaining > 0 && (f.PathContains is null || recorded.PathAndQuery.Contains(f.PathContains, StringComparison.Ordinal)));
            if (rule is null)
            {
                return null;
            }

            if (--rule.Remaining == 0)
            {
                failures.Remove(rule);
            }

            return rule.StatusCode;
        }
    }

    private async Task DispatchAsync(HttpContext context, RecordedRequest recorded)
    {
        var route = MatchRoute(recorded.Path) ?? throw new FakeKubeStatusException(404, "NotFound", "the server could not find the requested resource");
        var (type, ns, name, subresource) = route;
        var method = recorded.Method;
        var query = context.Request.Query;
        if (name is null)
        {
            if (method == "GET" && query["watch"].ToString() is "true" or "1")
            {
                await WatchAsync(context, route, recorded);
            }
            else if (method == "GET")
            {
                await WriteListAsync(context, route);
            }
            else if (method == "POST" && (ns is not null || !type.Namespaced))
            {
                await WriteAsync(context, 201, store.Insert(type, ForCreate(route, ParseObject(recorded.Body))));
            }
            else
            {
                throw MethodNotAllowed();
            }

            return;
        }

        var status = subresource switch
        {
            null => false,
            "status" when type.HasStatus => true,
            _ => throw new FakeKubeStatusException(404, "NotFound", "the server could not find the requested resource"),
        };
        switch (method)
        {
            case "GET":
                await WriteAsync(context, 200, store.Get(type, ns, name) ?? throw FakeKubeStatusException.NotFound(type, name));
                break;
            case "PUT":
                var replacement = ParseObject(recorded.Body);
                if (FakeKubeStore.Text(replacement["metadata"]?["name"]) is { } bodyName && bodyName != name)
                {
                    throw FakeKubeStatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
                }

                await WriteAsync(context, 200, store.Update(type, ns, name, current => Written(type, current, replacement, status)));
                break;
            case "PATCH":
                var apply = PatchFor(type, recorded.ContentType, recorded.Body);
                await WriteAsync(context, 200, store.Update(type, ns, name, current => Written(type, current, apply(current), status)));
                break;
            case "DELETE" when !status:
                var deleted = store.Delete(type, ns, name) ?? throw FakeKubeStatusException.NotFound(type, name);
                await WriteAsync(context, 200, new JsonObject
                {
                    ["kind"] = "Status",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject(),
                    ["status"] = "Success",
                    ["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = deleted["metadata"]?["uid"]?.DeepClone() },
                });
                break;
            default:
                throw MethodNotAllowed();
        }
    }

    /// <summary>
    /// "/api/v1/..." or "/apis/{group}/{version}/..." then "[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]",
    /// for a registered type; null for anything else.
    /// </summary>
    private Route? MatchRoute(string path)
    {
        var segments = path.Trim('/').Split('/');
        if (segments.Any(s => s.Length == 0))
        {
            return null;
        }

        var (group, version, rest) = segments switch
        {
            ["api", var v, .. var r] => (string.Empty, v, r),
            ["apis", var g, var v, .. var r] => (g, v, r),
            _ => (string.Empty, string.Empty, []),
        };
        if (rest.Length == 0)
        {
            return null;
        }

        if (rest is ["namespaces", var ns, var plural, .. var tail] && store.Find(group, version, plural) is { Namespaced: true } namespaced)
        {
            return tail switch
            {
                [] => new Route(namespaced, ns, null, null),
                [var name] => new Route(namespaced, ns, name, null),
                [var name, var sub] => new Route(namespaced, ns, name, sub),
                _ => null,
            };
        }

        if (store.Find(group, version, rest[0]) is not { } type)
        {
            return null;
        }

        return rest[1..] switch
        {
            [] => new Route(type, null, null, null),
            [var name] when !type.Namespaced => new Route(type, null, name, null),
            [var name, var sub] when !type.Namespaced => new Route(type, null, name, sub),
            _ => null,
        };
    }

    /// <summary>
    /// One page of a list, written from the stored bytes. The members come in the order the API server writes them:
    /// a custom resource list is a map (unstructured.UnstructuredList, encoded by k8s.io/apimachinery
    /// pkg/apis/meta/v1/unstructured's JSON scheme through Go's encoding/json, which sorts map keys: apiVersion, items,
    /// kind, metadata); a built-in list is a Go struct, written in field order (kind, apiVersion, metadata, items).
    /// </summary>
    private async Task WriteListAsync(HttpContext context, Route route)
    {
        var query = context.Request.Query;
        var limit = query["limit"].ToString() is { Length: > 0 } text
            ? int.TryParse(text, out var parsed) ? parsed : throw FakeKubeStatusException.BadRequest($"invalid limit \"{text}\"")
            : (int?)null;
        var page = store.List(route.Type, route.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"]), limit, query["continue"]);
        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
            if (page.Remaining is { } remaining)
            {
                metadata["remainingItemCount"] = remaining;
            }
        }

        var type = route.Type;
        var (head, tail) = type.IsCustom
            ? ($"{{\"apiVersion\":\"{type.ApiVersion}\",\"items\":[", $"],\"kind\":\"{type.ListKind}\",\"metadata\":{metadata.ToJsonString()}}}")
            : ($"{{\"kind\":\"{type.ListKind}\",\"apiVersion\":\"{type.ApiVersion}\",\"metadata\":{metadata.ToJsonString()},\"items\":[", "]}");
        var headBytes = Encoding.UTF8.GetBytes(head);
        var tailBytes = Encoding.UTF8.GetBytes(tail);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = headBytes.Length + tailBytes.Length + Math.Max(0, page.Items.Count - 1) + page.Items.Sum(i => (long)i.Length);
        var body = context.Response.Body;
        await body.WriteAsync(headBytes, context.RequestAborted);
        for (var i = 0; i < page.Items.Count; i++)
        {
            if (i > 0)
            {
                await body.WriteAsync(Comma, context.RequestAborted);
            }

            await body.WriteAsync(page.Items[i], context.RequestAborted);
        }

        await body.WriteAsync(tailBytes, context.RequestAborted);
    }

    private async Task WatchAsync(HttpContext context, Route route, RecordedRequest recorded)
    {
        var query = context.Request.Query;
        if (Interlocked.Exchange(ref next410, 0) == 1)
        {
            throw FakeKubeStatusException.Expired($"too old resource version: {query["resourceVersion"]} ({store.ResourceVersion})");
        }

        var timeoutSeconds = query["timeoutSeconds"].ToString() is { Length: > 0 } text && int.TryParse(text, out var seconds) && seconds > 0 ? seconds : (int?)null;
        var watch = store.OpenWatch(
            route.Type,
            route.Namespace,
            LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"]),
            query["resourceVersion"],
            query["allowWatchBookmarks"].ToString() is "true" or "1");
        try
        {
            using var timeout = timeoutSeconds is { } s ? new CancellationTokenSource(TimeSpan.FromSeconds(s), time) : new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted, app.Lifetime.ApplicationStopping);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(linked.Token);
            await context.Response.Body.FlushAsync(linked.Token);
            watchesOpened.Add(n => new OpenedWatch(n, recorded));
            try
            {
                await foreach (var line in watch.Lines.ReadAllAsync(linked.Token))
                {
                    await context.Response.Body.WriteAsync(line, linked.Token);
                    await context.Response.Body.FlushAsync(linked.Token);
                }
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                // the watch's timeoutSeconds ran out, the client went away or the server is stopping: the stream just ends
            }
        }
        finally
        {
            store.CloseWatch(watch);
        }
    }

    /// <summary>The object a POST stores: type fields filled in, the URL's namespace, server-set fields dropped.</summary>
    private static JsonObject ForCreate(Route route, JsonObject obj)
    {
        var type = route.Type;
        if (FakeKubeStore.Text(obj["apiVersion"]) is { } apiVersion && apiVersion != type.ApiVersion
            || FakeKubeStore.Text(obj["kind"]) is { } kind && kind != type.Kind)
        {
            throw FakeKubeStatusException.BadRequest($"the API version and kind in the body do not match {type.ApiVersion} {type.Kind}");
        }

        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        var meta = FakeKubeStore.Metadata(obj);
        if (type.Namespaced)
        {
            if (FakeKubeStore.Text(meta["namespace"]) is { Length: > 0 } ns && ns != route.Namespace)
            {
                throw FakeKubeStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = route.Namespace;
        }

        foreach (var field in (string[])["uid", "creationTimestamp", "resourceVersion"])
        {
            meta.Remove(field);
        }

        if (type.HasStatus)
        {
            obj.Remove("status");
        }

        return obj;
    }

    /// <summary>
    /// What a PUT or PATCH stores, from the stored object and the written one. A resourceVersion in the written
    /// object is a precondition (409 Conflict when stale). A status write changes only status; a main write keeps the
    /// stored status (for types with the status subresource) and metadata.generation.
    /// </summary>
    private static JsonObject Written(FakeKubeResource type, JsonObject current, JsonObject written, bool status)
    {
        var name = FakeKubeStore.Text(current["metadata"]?["name"])!;
        if (FakeKubeStore.Text(written["metadata"]?["resourceVersion"]) is { Length: > 0 } version
            && version != FakeKubeStore.Text(current["metadata"]?["resourceVersion"]))
        {
            throw FakeKubeStatusException.Conflict(type, name);
        }

        if (status)
        {
            var next = (JsonObject)current.DeepClone();
            Copy(written, next, "status");
            return next;
        }

        var result = (JsonObject)written.DeepClone();
        if (type.HasStatus)
        {
            Copy(current, result, "status");
        }

        Copy((JsonObject)current["metadata"]!, FakeKubeStore.Metadata(result), "generation");
        return result;
    }

    private static void Copy(JsonObject from, JsonObject to, string property)
    {
        if (from[property] is { } value)
        {
            to[property] = value.DeepClone();
        }
        else
        {
            to.Remove(property);
        }
    }

    /// <summary>The patch as a function of the stored object, by Content-Type.</summary>
    private static Func<JsonObject, JsonObject> PatchFor(FakeKubeResource type, string? contentType, string body)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType : null;
        switch (mediaType)
        {
            case "application/merge-patch+json":
            case "application/strategic-merge-patch+json" when !type.IsCustom:
                var mergePatch = Parse(body);
                return current => JsonMergePatch.Apply(current, mergePatch) as JsonObject
                    ?? throw FakeKubeStatusException.BadRequest("the merge patch must be a JSON object");
            case "application/json-patch+json":
                var operations = Parse(body) as JsonArray ?? throw FakeKubeStatusException.BadRequest("a JSON patch must be an array of operations");
                return current => ApplyJsonPatch(current, operations);
            default:
                throw new FakeKubeStatusException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json{(type.IsCustom ? string.Empty : ", application/strategic-merge-patch+json")} (got \"{contentType}\")");
        }
    }

    /// <summary>RFC 6902 through the tests' applier (add, remove, replace), plus "test"; a failing operation is 422.</summary>
    private static JsonObject ApplyJsonPatch(JsonObject current, JsonArray operations)
    {
        JsonNode? document = current;
        try
        {
            foreach (var operation in operations)
            {
                if (operation is JsonObject { } op && FakeKubeStore.Text(op["op"]) == "test")
                {
                    var actual = Resolve(document, JsonPatchOperations.ParsePointer(FakeKubeStore.Text(op["path"]) ?? string.Empty));
                    if (!JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw new JsonPatchApplyException($"test {op["path"]}: the value differs");
                    }
                }
                else
                {
                    document = JsonPatchOperations.Apply(document, new JsonArray(operation?.DeepClone()));
                }
            }
        }
        catch (JsonPatchApplyException e)
        {
            throw FakeKubeStatusException.Invalid($"the server rejected our request due to an error in our request: {e.Message}");
        }

        return document as JsonObject ?? throw FakeKubeStatusException.Invalid("the patched document is not an object");
    }

    private static JsonNode? Resolve(JsonNode? node, IReadOnlyList<string> tokens)
    {
        foreach (var token in tokens)
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when int.TryParse(token, out var index) && index >= 0 && index < array.Count => array[index],
                _ => throw new JsonPatchApplyException($"test: /{string.Join('/', tokens)} does not exist"),
            };
        }

        return node;
    }

    private static JsonNode? Parse(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw FakeKubeStatusException.BadRequest($"the request body is not JSON: {e.Message}");
        }
    }

    private static JsonObject ParseObject(string body) =>
        Parse(body) as JsonObject ?? throw FakeKubeStatusException.BadRequest("the request body must be a JSON object");

    private static FakeKubeStatusException MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    private static async Task WriteAsync(HttpContext context, int statusCode, JsonObject body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, StoredObject.Wire), context.RequestAborted);
    }

    private sealed record Route(FakeKubeResource Type, string? Namespace, string? Name, string? Subresource);

    private sealed record OpenedWatch(int Sequence, RecordedRequest Request)
    {
        public override string ToString() => $"watch {Sequence}: {Request}";
    }
}
