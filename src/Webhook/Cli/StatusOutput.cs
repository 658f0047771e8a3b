using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DeadlineGuard.History;
using DeadlineGuard.Reconciler;

namespace DeadlineGuard.Cli;

/// <summary>
/// How <c>status</c> prints: a kubectl-like table (<c>table</c>, <c>wide</c>) or the stable JSON of docs/status.md
/// (<c>json</c>, <see cref="SchemaVersion"/>). Times are UTC, RFC 3339, whole seconds; durations in the table are
/// kubectl's short form (<c>95s</c>, <c>5m12s</c>, <c>3h</c>).
/// </summary>
public static class StatusOutput
{
    /// <summary>Bumped only when a field changes meaning or goes; new fields may be added within a version.</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>What the command was asked, for the JSON's header.</summary>
    public sealed record Scope(string? Namespace, string? LabelSelector, string Policy, int GraceSeconds);

    public static string Table(IReadOnlyList<RolloutStatus> rollouts, DateTimeOffset now, bool allNamespaces, bool wide)
    {
        ArgumentNullException.ThrowIfNull(rollouts);
        var columns = new List<string>();
        if (allNamespaces)
        {
            columns.Add("NAMESPACE");
        }

        columns.AddRange(["NAME", "REVISION", "PHASE", "DEADLINE", "ABORT", "SINCE", "DUE", "VERDICT", "PAUSE", "PAUSE-LIMIT", "PITFALLS"]);
        if (wide)
        {
            columns.AddRange(["ENTRY", "STARTED", "BY", "FINGERPRINT", "IMAGES"]);
        }

        columns.Add("REASON");
        var rows = rollouts.Select(r => Row(r, now, allNamespaces, wide)).ToList();
        var widths = columns.Select((c, i) => rows.Select(row => row[i].Length).Append(c.Length).Max()).ToArray();
        var text = new StringBuilder();
        text.AppendLine(Line(columns, widths));
        foreach (var row in rows)
        {
            text.AppendLine(Line(row, widths));
        }

        return text.ToString();
    }

    public static string Json(IReadOnlyList<RolloutStatus> rollouts, DateTimeOffset now, Scope scope)
    {
        ArgumentNullException.ThrowIfNull(rollouts);
        ArgumentNullException.ThrowIfNull(scope);
        var document = new JsonObject
        {
            ["schemaVersion"] = SchemaVersion,
            ["kind"] = "RolloutDeadlineStatus",
            ["at"] = Time(now),
            ["namespace"] = scope.Namespace,
            ["labelSelector"] = scope.LabelSelector,
            ["policy"] = scope.Policy,
            ["graceSeconds"] = scope.GraceSeconds,
            ["summary"] = new JsonObject
            {
                ["rollouts"] = rollouts.Count,
                ["idle"] = rollouts.Count(r => r.Verdict.Kind == VerdictKind.Idle),
                ["waiting"] = rollouts.Count(r => r.Verdict.Kind == VerdictKind.Waiting),
                ["exceeded"] = rollouts.Count(r => r.Verdict.Kind == VerdictKind.Exceeded),
            },
            ["rollouts"] = new JsonArray([.. rollouts.Select(r => (JsonNode)Item(r, now))]),
        };
        return document.ToJsonString(Indented) + Environment.NewLine;
    }

    private static JsonObject Item(RolloutStatus r, DateTimeOffset now) => new()
    {
        ["namespace"] = r.Namespace,
        ["name"] = r.Name,
        ["revision"] = r.Revision,
        ["phase"] = r.Phase,
        ["deadlineSeconds"] = r.DeadlineSeconds,
        ["deadlineSource"] = r.DeadlineIsArgoDefault ? "argo-default" : "spec",
        ["abort"] = r.Abort,
        ["recordedDeadlineSeconds"] = r.Verdict.RecordedDeadlineSeconds ?? r.Entry?.DeadlineSeconds,
        ["progressSince"] = r.Verdict.ProgressSince is { } since ? Time(since) : null,
        ["dueAt"] = r.Verdict.DueAt is { } due ? Time(due) : null,
        ["dueInSeconds"] = r.DueInSeconds(now),
        ["verdict"] = Verdict(r.Verdict.Kind),
        ["reason"] = r.Verdict.Reason,
        ["limit"] = r.Limit,
        ["pause"] = r.Pause is { } pause
            ? new JsonObject
            {
                ["reason"] = pause.Reason,
                ["since"] = pause.Since is { } s ? Time(s) : null,
                ["forSeconds"] = pause.Since is { } started ? (long)Math.Floor((now - started).TotalSeconds) : null,
                ["limitSeconds"] = pause.LimitSeconds > 0 ? pause.LimitSeconds : null,
                ["limitState"] = LimitState(pause.State),
            }
            : null,
        ["pitfalls"] = new JsonArray([.. r.Pitfalls.Select(p => (JsonNode)JsonValue.Create(p))]),
        ["history"] = new JsonObject
        {
            ["state"] = r.History.ToString().ToLowerInvariant(),
            ["entry"] = r.Entry is { } e
                ? new JsonObject
                {
                    ["seq"] = e.Seq,
                    ["at"] = Time(e.At),
                    ["by"] = e.By,
                    ["op"] = e.Op,
                    ["trigger"] = e.Trigger,
                    ["fingerprint"] = e.Fingerprint,
                    ["deadlineSeconds"] = e.DeadlineSeconds,
                    ["abort"] = e.Abort,
                    ["images"] = new JsonArray([.. e.Images.Select(i => (JsonNode)JsonValue.Create(i))]),
                }
                : null,
        },
        ["images"] = new JsonArray([.. r.Images.Select(i => (JsonNode)JsonValue.Create(i))]),
    };

    private static string[] Row(RolloutStatus r, DateTimeOffset now, bool allNamespaces, bool wide)
    {
        var cells = new List<string>();
        if (allNamespaces)
        {
            cells.Add(r.Namespace);
        }

        cells.AddRange(
        [
            r.Name,
            r.Revision is { } revision ? revision.ToString(CultureInfo.InvariantCulture) : "-",
            r.Phase ?? "-",
            $"{r.DeadlineSeconds.ToString(CultureInfo.InvariantCulture)}s{(r.DeadlineIsArgoDefault ? "*" : string.Empty)}",
            r.Abort ? "yes" : "no",
            r.Verdict.ProgressSince is { } since ? Duration(now - since) : "-",
            r.DueInSeconds(now) is { } due ? due >= 0 ? "in " + Duration(TimeSpan.FromSeconds(due)) : "overdue " + Duration(TimeSpan.FromSeconds(-due)) : "-",
            Verdict(r.Verdict.Kind),
            r.Pause is { } pause ? pause.Since is { } paused ? $"{pause.Reason} {Duration(now - paused)}" : pause.Reason : "-",
            r.Pause is { } limited ? PauseLimitCell(limited) : "-",
            r.Pitfalls.Count == 0 ? "-" : string.Join(',', r.Pitfalls),
        ]);
        if (wide)
        {
            cells.AddRange(
            [
                r.Entry is { } e ? e.Seq.ToString(CultureInfo.InvariantCulture) : "-",
                r.Entry is { } started ? Time(started.At) : "-",
                r.Entry is { By.Length: > 0 } by ? by.By : "-",
                r.Entry?.Fingerprint ?? "-",
                r.Images.Count == 0 ? "-" : string.Join(',', r.Images),
            ]);
        }

        cells.Add(r.Verdict.Reason);
        return [.. cells];
    }

    public static string Verdict(VerdictKind kind) => kind switch
    {
        VerdictKind.Waiting => "waiting",
        VerdictKind.Exceeded => "exceeded",
        _ => "idle",
    };

    /// <summary>The pause-limit state as the JSON and the table name it.</summary>
    public static string LimitState(PauseLimitState state) => state switch
    {
        PauseLimitState.NotCounted => "not-counted",
        PauseLimitState.Counting => "counting",
        PauseLimitState.Exceeded => "exceeded",
        PauseLimitState.Unreadable => "unreadable",
        _ => "off",
    };

    /// <summary><c>off</c>, else the state and the limit in force: <c>counting/10m</c>, <c>not-counted/1h</c>.</summary>
    private static string PauseLimitCell(RolloutPause pause) =>
        pause.LimitSeconds <= 0 ? LimitState(pause.State) : $"{LimitState(pause.State)}/{Duration(TimeSpan.FromSeconds(pause.LimitSeconds))}";

    /// <summary>kubectl's short duration (apimachinery's duration.HumanDuration): 95s, 5m12s, 45m, 5h30m, 30h, 3d4h, 12d.</summary>
    public static string Duration(TimeSpan span)
    {
        var seconds = (long)Math.Max(0, Math.Floor(span.TotalSeconds));
        var minutes = seconds / 60;
        var hours = seconds / 3600;
        var days = hours / 24;
        string S(long n) => n.ToString(CultureInfo.InvariantCulture);
        return seconds < 120 ? $"{S(seconds)}s"
            : minutes < 10 ? seconds % 60 == 0 ? $"{S(minutes)}m" : $"{S(minutes)}m{S(seconds % 60)}s"
            : hours < 3 ? $"{S(minutes)}m"
            : hours < 8 ? minutes % 60 == 0 ? $"{S(hours)}h" : $"{S(hours)}h{S(minutes % 60)}m"
            : hours < 48 ? $"{S(hours)}h"
            : days < 8 ? hours % 24 == 0 ? $"{S(days)}d" : $"{S(days)}d{S(hours % 24)}h"
            : $"{S(days)}d";
    }

    private static string Time(DateTimeOffset at) => RevisionHistoryAnnotation.FormatTime(at);

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
