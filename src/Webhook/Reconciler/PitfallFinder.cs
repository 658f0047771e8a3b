namespace DeadlineGuard.Reconciler;

/// <summary>
/// Finds the pitfalls in one Rollout from its JSON as the API server sent it (one whole object), while the decoder
/// still holds its bytes (<see cref="RolloutDecoder"/>). <see cref="RolloutPitfalls.Find"/> is the product's; the
/// status command passes one that also keeps what it prints beyond the snapshot.
/// </summary>
public delegate PitfallSet PitfallFinder(ReadOnlySpan<byte> rollout);
