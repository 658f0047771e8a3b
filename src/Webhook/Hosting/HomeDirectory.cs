namespace DeadlineGuard.Hosting;

/// <summary>
/// .NET on Linux needs a home directory for every X.509 chain it builds: ChainPal.BuildChainCore opens the
/// CurrentUser "Disallowed" store, whose path is under $HOME (…/.dotnet/corefx/cryptography/x509stores). With HOME
/// unset the runtime asks getpwuid(3); a uid without a passwd entry (the image's 64198, any runAsUser) has none, and
/// every chain build throws "The home directory of the current user could not be determined". Every TLS handshake
/// builds one (SslStreamCertificateContext) and so does every call to an API server with its own CA, so nothing works.
/// The store is only opened to read, so any folder does: the temporary folder is used (TMPDIR, else /tmp).
/// </summary>
public static class HomeDirectory
{
    /// <summary>
    /// The HOME to set, or null when the runtime finds one itself. <paramref name="userProfile"/> is what .NET resolves
    /// (HOME, else the passwd entry, else "/" when neither exists).
    /// </summary>
    public static string? Fallback(string? home, string userProfile, string tempPath) =>
        !string.IsNullOrEmpty(home) ? null
        : !string.IsNullOrEmpty(userProfile) && userProfile != "/" ? null
        : tempPath;

    /// <summary>Sets HOME for this process when the runtime could not determine a home directory.</summary>
    public static void EnsureForRuntime()
    {
        var fallback = Fallback(
            Environment.GetEnvironmentVariable("HOME"),
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify),
            Path.TrimEndingDirectorySeparator(Path.GetTempPath()));
        if (fallback is not null)
        {
            Environment.SetEnvironmentVariable("HOME", fallback);
        }
    }
}
