namespace DeadlineGuard.Tests.Support;

/// <summary>A DeadlinePolicy YAML file in its own temporary folder, removed on dispose.</summary>
public sealed class PolicyFile : IDisposable
{
    private readonly string _folder;

    public PolicyFile(string yaml)
    {
        _folder = Path.Combine(Path.GetTempPath(), "deadline-guard-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        FilePath = Path.Combine(_folder, "policy.yaml");
        File.WriteAllText(FilePath, yaml);
    }

    public string FilePath { get; }

    /// <summary>The built-in policy with a different action.</summary>
    public static PolicyFile WithAction(string action) => new($"""
        apiVersion: deadline-guard.io/v1
        kind: DeadlinePolicy
        spec:
          action: {action}
        """);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
