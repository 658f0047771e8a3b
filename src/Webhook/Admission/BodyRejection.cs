using Microsoft.Extensions.Logging;

namespace DeadlineGuard.Admission;

/// <summary>
/// Why a review's body is not read or not usable, as it is answered: the HTTP status, a one-line reason (the
/// response's text), whether it was refused for room in the decoding budget (counted <c>throttled</c>, else
/// <c>invalid</c>), and the level it is logged at.
/// </summary>
public sealed record BodyRejection(int Status, string Reason, bool Throttled = false, LogLevel Level = LogLevel.Warning);
