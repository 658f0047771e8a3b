using DeadlineGuard.Tests.Support;

namespace DeadlineGuard.Tests.Http;

/// <summary>One in-process webhook shared by the tests of a class; subclasses choose the settings.</summary>
public class WebhookFixture : IAsyncLifetime, IAsyncDisposable
{
    private WebhookFactory? _factory;

    public HttpClient Client { get; private set; } = null!;

    public WebhookFactory Factory => _factory!;

    protected virtual IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?>();

    public virtual Task InitializeAsync()
    {
        _factory = new WebhookFactory(Settings());
        Client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }
}

/// <summary>The built-in policy (Deny).</summary>
public sealed class DefaultPolicyWebhook : WebhookFixture;

/// <summary>A webhook running a policy file whose only change from the built-in one is its action.</summary>
public abstract class ActionPolicyWebhook(string action) : WebhookFixture
{
    private readonly PolicyFile _policy = PolicyFile.WithAction(action);

    protected override IReadOnlyDictionary<string, string?> Settings() => new Dictionary<string, string?> { ["Policy:File"] = _policy.FilePath };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policy.Dispose();
    }
}

public sealed class WarnPolicyWebhook() : ActionPolicyWebhook("Warn");

public sealed class AuditPolicyWebhook() : ActionPolicyWebhook("Audit");

/// <summary>The smallest request size limit the settings allow, so that oversized bodies stay cheap to send.</summary>
public sealed class SmallLimitWebhook : WebhookFixture
{
    public const int Limit = 65536;

    protected override IReadOnlyDictionary<string, string?> Settings() =>
        new Dictionary<string, string?> { ["Admission:MaxRequestBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
