using DeadlineGuard.History;
using DeadlineGuard.Json;
using DeadlineGuard.Policy;

namespace DeadlineGuard.Admission;

/// <summary>The parts of a Rollout the deadline rules read, after any injection.</summary>
public sealed record RolloutDeadlineFields(FoundValue Deadline, FoundValue Abort, int MinReadySeconds)
{
    public const string DeadlineField = "spec.progressDeadlineSeconds";
    public const string AbortField = "spec.progressDeadlineAbort";

    /// <summary>Argo's default when a Rollout has no progressDeadlineSeconds (defaults.go).</summary>
    public const int ArgoDefaultSeconds = 600;

    public static RolloutDeadlineFields From(RolloutView rollout) =>
        new(
            SpecField(rollout, "progressDeadlineSeconds"),
            SpecField(rollout, "progressDeadlineAbort"),
            MinReadySecondsOf(rollout));

    /// <summary>A member of the Rollout's spec as found (a JSON null counts as present).</summary>
    private static FoundValue SpecField(RolloutView rollout, string specField) =>
        rollout.TryGetSpecField(specField, out var value) ? new FoundValue(true, value) : default;

    /// <summary>spec.minReadySeconds when it is a usable whole number, else 0 (the API server rejects other values itself).</summary>
    public static int MinReadySecondsOf(RolloutView rollout) =>
        rollout.TryGetSpecField("minReadySeconds", out var value) && JsonValues.TryGetInt32(value, out var seconds) && seconds > 0 ? seconds : 0;

    /// <summary>The fields as they are once <paramref name="injection"/> is applied.</summary>
    public RolloutDeadlineFields With(DeadlineInjection injection) =>
        injection.IsEmpty
            ? this
            : this with
            {
                Deadline = injection.Seconds is { } seconds ? FoundValue.Of(seconds) : Deadline,
                Abort = injection.Abort is { } abort ? FoundValue.Of(abort) : Abort,
            };

    /// <summary>The deadline Argo applies: the Rollout's whole number, its default 600 when absent, null when unusable.</summary>
    public int? DeadlineInForce => !Deadline.Present ? ArgoDefaultSeconds : Deadline.IsInt32 ? Deadline.Int32 : null;

    /// <summary>Whether Argo aborts: only for a literal true (absent means false).</summary>
    public bool AbortInForce => Abort.IsTrue;
}
