namespace DeadlineGuard.Tests.Support;

/// <summary>
/// A real <see cref="FileSystemWatcher"/> that can be made to report an error, as inotify does when its event queue
/// overflows (IN_Q_OVERFLOW, which .NET raises as <see cref="FileSystemWatcher.Error"/> with an
/// <see cref="InternalBufferOverflowException"/>).
/// </summary>
public sealed class BreakableWatcher(string directory) : FileSystemWatcher(directory)
{
    public bool WasDisposed { get; private set; }

    public void Fail() => OnError(new ErrorEventArgs(new InternalBufferOverflowException("too many changes at once")));

    protected override void Dispose(bool disposing)
    {
        WasDisposed = true;
        base.Dispose(disposing);
    }
}
