using System.Text.Json.Nodes;

namespace DeadlineGuard.Reconciler.Reports;

/// <summary>
/// What the keeper remembers of a report that is there (as the API server last returned it): its metadata (labels,
/// annotations, resourceVersion; managedFields dropped), a hash of what it says (results with their timestamps,
/// summary, source, ownership), and, per Rollout, when its results were first written as they are (by a 64-bit hash of
/// the Rollout's uid and results). Not the results themselves: a cluster's reports hold several results per Rollout,
/// which would cost the reconciler far more memory than its snapshots; this is a few dozen bytes per Rollout.
/// </summary>
public sealed record KnownReport(JsonObject Metadata, string ContentHash, IReadOnlyDictionary<ulong, long> Timestamps);
