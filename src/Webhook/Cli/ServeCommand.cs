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
