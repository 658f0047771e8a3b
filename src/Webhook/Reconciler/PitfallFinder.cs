namespace DeadlineGuard.Reconciler;

/// <summary>
/// Finds the pitfalls in one Rollout while the decoder still holds its bytes (<see cref="RolloutDecoder"/>):
/// <paramref name="rollout"/> is the whole object as the API server sent it; <paramref name="detectorView"/> is the
/// part of it the pitfall detector reads (<c>{"metadata":{"annotations":{IGNORE}},"spec":SPEC}</c>), much smaller.
/// Neither span outlives the call. <see cref="RolloutPitfalls.Find(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> is the
/// product's; the status command passes one that also keeps what it prints beyond the snapshot.
/// </summary>
public delegate PitfallSet PitfallFinder(ReadOnlySpan<byte> rollout, ReadOnlySpan<byte> detectorView);
