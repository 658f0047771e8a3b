namespace DeadlineGuard.Reconciler;

/// <summary>An action already taken on a Rollout (as seen in <paramref name="Rollout"/>) whose Event is still to be sent.</summary>
public sealed record PendingReport(RolloutSnapshot Rollout, DeadlineVerdict Verdict, ActionTaken Taken);
