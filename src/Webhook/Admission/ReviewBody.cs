using System.Buffers;

namespace DeadlineGuard.Admission;

/// <summary>
/// What <see cref="ReviewBodyReader.ReadAsync"/> made of a request: the whole body (<see cref="Bytes"/>, still held
/// by the request's body reader), or a <see cref="Rejection"/> to answer, or <see cref="ClientGone"/> (nobody to
/// answer). <see cref="Reserved"/> is its room in the decoding budget, given back with
/// <see cref="ReviewBodyReader.Release"/> once the answer is written.
/// </summary>
public readonly record struct ReviewBody(ReadOnlySequence<byte> Bytes, long Reserved, BodyRejection? Rejection, bool ClientGone)
{
    public static ReviewBody Rejected(BodyRejection rejection, long reserved = 0) => new(default, reserved, rejection, false);

    public static ReviewBody Gone(long reserved) => new(default, reserved, null, true);
}
