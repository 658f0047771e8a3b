using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace DeadlineGuard.Reconciler;

/// <summary>
/// The reconciler's writes: the abort (exactly what <c>kubectl argo rollouts abort</c> sends: a merge patch
/// of <c>{"status":{"abort":true}}</c> to the status subresource), its Warning Event, and the optional
/// repair of a stale scale-down-deadline.
/// </summary>
public sealed partial class DeadlineActions(IKubernetes client, ReconcilerOptions options, TimeProvider time, ILogger<DeadlineActions> logger)
{
    public const string Controller = "deadline-guard.io/reconciler";
    public const string ScaleDownDeadlineAnnotation = "scale-down-deadline";
    public const string ProgressDeadlineExceededReason = "ProgressDeadlineExceeded";
    public const string PauseLimitExceededReason = "PauseLimitExceeded";
    private const string AbortPatch = """{"status":{"abort":true}}""";

    public string Instance { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName;

    /// <summary>The change itself (repair, abort), without its Event; <see cref="ActionTaken.Gone"/> when the Rollout is gone.</summary>
    public async Task<ActionTaken> ApplyAsync(RolloutSnapshot rollout, DeadlineVerdict verdict, CancellationToken cancellationToken)
    {
        if (verdict.Limit == LimitKind.Deadline && options.RepairStaleScaleDownDeadline && !options.DryRun)
        {
            await RepairAsync(rollout, cancellationToken);
        }

        ActionTaken taken;
        if (!verdict.Abort)
        {
            taken = ActionTaken.Reported;
        }
        else if (options.DryRun)
        {
            taken = ActionTaken.WouldAbort;
        }
        else
        {
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                    new V1Patch(AbortPatch, V1Patch.PatchType.MergePatch),
                    RolloutApi.Group, RolloutApi.Version, rollout.Namespace, RolloutApi.Plural, rollout.Name,
                    cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return ActionTaken.Gone;
            }

            taken = ActionTaken.Aborted;
        }

        return taken;
    }

    /// <summary>The Warning Event about what <see cref="ApplyAsync"/> did (idempotent: a repeat is a 409, ignored).</summary>
    public async Task ReportAsync(RolloutSnapshot rollout, DeadlineVerdict verdict, ActionTaken taken, CancellationToken cancellationToken)
    {
        await EmitAsync(rollout, verdict, taken, cancellationToken);
        if (verdict.Limit == LimitKind.Pause)
        {
            LogPauseActed(logger, rollout.Key.ToString(), verdict.Revision, taken.ToString(), verdict.Reason);
        }
        else
        {
            LogActed(logger, rollout.Key.ToString(), verdict.Revision, taken.ToString(), verdict.Reason);
        }
    }

    /// <summary>
    /// The Event's text: which revision, which deadline (the one in force and, where it differs, the one recorded when
    /// the revision started), since when, and what was done.
    /// </summary>
    public static string Note(RolloutSnapshot rollout, DeadlineVerdict verdict, ActionTaken taken)
    {
        if (verdict.Pause is { } pause)
        {
            return PauseNote(rollout, verdict, pause, taken);
        }

        var revision = verdict.Revision is { } r ? $"revision {r}" : "the current revision";
        var since = verdict.ProgressSince is { } s ? History.RevisionHistoryAnnotation.FormatTime(s) : "its start";
        var what = taken switch
        {
            ActionTaken.Aborted => "aborted it (status.abort=true), as kubectl argo rollouts abort does",
            ActionTaken.WouldAbort => "would abort it (dry run: nothing changed)",
            _ => "did not abort it: progressDeadlineAbort is false for this revision",
        };
        var recorded = verdict.RecordedDeadlineSeconds is { } at && at != verdict.DeadlineSeconds
            ? $" (changed from the {at}s in force when the revision started)"
            : string.Empty;
        var due = verdict.DueAt is { } d ? $" (due with grace at {History.RevisionHistoryAnnotation.FormatTime(d)})" : string.Empty;
        var note = $"Rollout {rollout.Name} {revision} made no progress since {since}, past its {verdict.DeadlineSeconds}s progress deadline{recorded}{due}; deadline-guard {what}.";
        return note.Length <= 1024 ? note : note[..1024];
    }

    /// <summary>
    /// The pause-limit Event's text: which revision, which pause (its reason, and what it waits for), since when, the limit
    /// in force, and what was done.
    /// </summary>
    public static string PauseNote(RolloutSnapshot rollout, DeadlineVerdict verdict, IndefinitePause pause, ActionTaken taken)
    {
        var revision = verdict.Revision is { } r ? $"revision {r}" : "the current revision";
        var waiting = pause.Reason switch
        {
            PauseLimitJudge.BlueGreenPause => "awaiting promotion (BlueGreenPause, autoPromotionEnabled: false)",
            PauseLimitJudge.CanaryPauseStep => "at a canary pause step without duration (CanaryPauseStep)",
            PauseLimitJudge.InconclusiveAnalysisRun => "on an inconclusive analysis (InconclusiveAnalysisRun)",
            _ => $"({pause.Reason})",
        };
        var what = taken switch
        {
            ActionTaken.Aborted => "aborted it (status.abort=true), as kubectl argo rollouts abort does",
            ActionTaken.WouldAbort => "would abort it (dry run: nothing changed)",
            _ => "did not abort it: the policy's pauses.abort is false",
        };
        var due = verdict.DueAt is { } d ? $" (due with grace at {History.RevisionHistoryAnnotation.FormatTime(d)})" : string.Empty;
        var note = $"Rollout {rollout.Name} {revision} has been paused {waiting} since {History.RevisionHistoryAnnotation.FormatTime(pause.Since)}, "
            + $"past the pause limit of {pause.LimitSeconds}s{due}; deadline-guard {what}.";
        return note.Length <= 1024 ? note : note[..1024];
    }

    private Task EmitAsync(RolloutSnapshot rollout, DeadlineVerdict verdict, ActionTaken taken, CancellationToken cancellationToken) =>
        EmitAsync(
            rollout,
            EventName(rollout, verdict.RevisionKey),
            verdict.Limit == LimitKind.Pause ? PauseLimitExceededReason : ProgressDeadlineExceededReason,
            taken switch { ActionTaken.Aborted => "Abort", ActionTaken.WouldAbort => "WouldAbort", _ => "Report" },
            Note(rollout, verdict, taken),
            cancellationToken);

    private async Task EmitAsync(RolloutSnapshot rollout, string name, string reason, string action, string note, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var @event = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = rollout.Namespace },
            EventTime = now,
            Type = "Warning",
            Reason = reason,
            Action = action,
            Note = note,
            ReportingController = Controller,
            ReportingInstance = Instance.Length <= 128 ? Instance : Instance[..128],
            Regarding = new V1ObjectReference
            {
                ApiVersion = $"{RolloutApi.Group}/{RolloutApi.Version}",
                Kind = "Rollout",
                Name = rollout.Name,
                NamespaceProperty = rollout.Namespace,
                Uid = rollout.Uid,
            },
        };
        try
        {
            await client.EventsV1.CreateNamespacedEventAsync(@event, rollout.Namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // The same Event (same Rollout, revision and clock) was already emitted, by us or a previous leader.
        }
    }

    /// <summary>
    /// Deterministic per (Rollout, key): per revision and progress clock, or per pause (its reason and start), so a
    /// repeated action cannot make a second Event.
    /// </summary>
    public static string EventName(RolloutSnapshot rollout, string key)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{rollout.Uid}|{key}")))[..12];
        var prefix = rollout.Name.Length > 200 ? rollout.Name[..200] : rollout.Name;
        return $"{prefix}.deadline-guard.{hash}";
    }

    /// <summary>
    /// Removes an expired scale-down-deadline from the Rollout's old ReplicaSets that have zero replicas and
    /// are neither stable nor current: the annotation that blocks Argo's timeout check (ARGO-FACTS.md §1).
    /// </summary>
    public async Task<int> RepairAsync(RolloutSnapshot rollout, CancellationToken cancellationToken)
    {
        if (rollout.Selector is not { } selector)
        {
            return 0;
        }

        var list = await client.AppsV1.ListNamespacedReplicaSetAsync(rollout.Namespace, labelSelector: selector, cancellationToken: cancellationToken);
        var repaired = 0;
        foreach (var rs in list.Items)
        {
            if (!IsStale(rs, rollout, time.GetUtcNow()))
            {
                continue;
            }

            var patch = $$"""[{"op":"test","path":"/metadata/annotations/{{ScaleDownDeadlineAnnotation}}","value":"{{rs.Metadata.Annotations[ScaleDownDeadlineAnnotation]}}"},{"op":"remove","path":"/metadata/annotations/{{ScaleDownDeadlineAnnotation}}"}]""";
            await client.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch(patch, V1Patch.PatchType.JsonPatch), rs.Metadata.Name, rollout.Namespace, cancellationToken: cancellationToken);
            repaired++;
            LogRepaired(logger, rs.Metadata.Name, rollout.Key.ToString());
            await EmitAsync(
                rollout,
                EventName(rollout, "repair|" + rs.Metadata.Name + "|" + rs.Metadata.Annotations[ScaleDownDeadlineAnnotation]),
                "StaleScaleDownDeadlineRemoved",
                "Repair",
                $"Removed the expired scale-down-deadline {rs.Metadata.Annotations[ScaleDownDeadlineAnnotation]} from ReplicaSet {rs.Metadata.Name} (0 replicas, neither stable nor current); it blocked Argo Rollouts' progress deadline check (argo-rollouts#3988).",
                cancellationToken);
        }

        return repaired;
    }

    public static bool IsStale(V1ReplicaSet rs, RolloutSnapshot rollout, DateTimeOffset now)
    {
        var hash = rs.Metadata?.Labels?.TryGetValue("rollouts-pod-template-hash", out var h) == true ? h : null;
        var owned = rs.Metadata?.OwnerReferences?.Any(o => o.Uid == rollout.Uid) == true;
        var deadline = rs.Metadata?.Annotations?.TryGetValue(ScaleDownDeadlineAnnotation, out var d) == true ? d : null;
        return owned
            && rs.Spec?.Replicas == 0
            && hash is not null && hash != rollout.StableRs && hash != rollout.CurrentPodHash
            && HistoryEntryReader.ParseTime(deadline) is { } at && at < now;
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Rollout {Rollout} revision {Revision} exceeded its deadline: {Action} ({Reason})")]
    private static partial void LogActed(ILogger logger, string rollout, long? revision, string action, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Rollout {Rollout} revision {Revision} exceeded the pause limit: {Action} ({Reason})")]
    private static partial void LogPauseActed(ILogger logger, string rollout, long? revision, string action, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Removed an expired scale-down-deadline from ReplicaSet {ReplicaSet} of Rollout {Rollout}")]
    private static partial void LogRepaired(ILogger logger, string replicaSet, string rollout);
}
