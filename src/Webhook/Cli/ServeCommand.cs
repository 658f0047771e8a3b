using DeadlineGuard.Hosting;

namespace DeadlineGuard.Cli;

/// <summary><c>serve</c> (also with no command): the HTTPS admission server.</summary>
public static class ServeCommand
{
    public const string Name = "serve";

    public static DocumentedCommand Create(CommandContext context) => HostedCommand.Create(
        Name,
        "HTTPS admission server: POST /mutate, /validate; GET /healthz, /readyz, /metrics (the default command)",
        "Serves the admission webhook over HTTPS (HTTP/1.1 and HTTP/2, TLS 1.2+).",
        """
        Settings often used (any key of appsettings.json works the same way):
          --Tls:CertFile=F --Tls:KeyFile=F
                                        PEM serving certificate and key; without them a self-signed
                                        certificate for localhost is made in memory. Reloaded when the
                                        files change (a Secret volume's renewal included).
          --Tls:ReloadCheckSeconds=N    also re-read the certificate files this often (default 60)
          --Policy:ReloadCheckSeconds=N also re-read the policy file this often (default 60)
          --Admission:MaxRequestBytes=N largest review accepted (default 4194304)
          --Admission:MaxDecodingBytes=N
                                        bytes of bodies read and decoded at once; beyond them a review
                                        waits up to Admission:DecodingWaitMilliseconds (1000), then
                                        gets 429 (default 16777216)
          --Server:MaxConnections=N     open connections at most (default 500)
          --Shutdown:DrainSeconds=N     after SIGTERM, keep answering (each answer closing its
                                        connection) for up to N seconds before stopping (default 5)
          --Admission:FailurePolicy=Fail|Ignore
                                        /validate's answer when the webhook itself fails (default Fail)

        Exit codes: 0 clean shutdown, 1 stopped by a failure after start, 2 bad configuration (nothing served;
        one line on stderr says what).
        """,
        WebhookApp.DefaultUrl,
        args => WebhookApp.Build(args),
        null,
        context);
}
