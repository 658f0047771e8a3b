namespace DeadlineGuard.Reconciler;

/// <summary>
/// The bytes read so far end inside the value being decoded: read more and decode the value again from its start.
/// Only a reader over part of a stream (isFinalBlock false) raises it; one instance is thrown, as nothing in it varies.
/// </summary>
public sealed class IncompleteJsonException : Exception
{
    public IncompleteJsonException()
        : base("the JSON value continues beyond the bytes received so far")
    {
    }

    public IncompleteJsonException(string message)
        : base(message)
    {
    }

    public IncompleteJsonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public static IncompleteJsonException Instance { get; } = new();
}
