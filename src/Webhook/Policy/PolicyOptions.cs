namespace DeadlineGuard.Policy;

/// <summary>Configuration section "Policy".</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>The policy file (YAML); empty means the built-in default policy.</summary>
    public string? File { get; set; }
}
