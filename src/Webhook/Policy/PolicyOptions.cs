namespace DeadlineGuard.Policy;

/// <summary>Configuration section "Policy".</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>The policy file (YAML); empty means the built-in default policy.</summary>
    public string? File { get; set; }

    /// <summary>
    /// How often the file is read again besides the file watch, in case an event was lost (default 60). A change is
    /// normally seen within a second through the watch; reading an unchanged file changes nothing.
    /// </summary>
    public int ReloadCheckSeconds { get; set; } = 60;
}
