namespace DeadlineGuard.Files;

/// <summary>A file the program reads before it serves and then keeps current as it changes on disk.</summary>
public interface IWatchedFile
{
    /// <summary>Reads the file; throws when it is unusable, so that a bad file fails start-up instead of a request.</summary>
    void Load();

    /// <summary>From now on, takes in each change of the file (a bad change keeps what was loaded before).</summary>
    void StartWatching();
}
