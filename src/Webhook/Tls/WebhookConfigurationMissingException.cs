namespace DeadlineGuard.Tls;

/// <summary>
/// A webhook configuration whose caBundle must be written does not exist. Raised before anything is written, so a
/// run that fails this way leaves the cluster as it found it.
/// </summary>
public sealed class WebhookConfigurationMissingException : Exception
{
    public WebhookConfigurationMissingException()
    {
    }

    public WebhookConfigurationMissingException(string message)
        : base(message)
    {
    }

    public WebhookConfigurationMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
