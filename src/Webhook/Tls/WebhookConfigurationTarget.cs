using k8s.Models;

namespace DeadlineGuard.Tls;

/// <summary>A webhook configuration to keep the caBundle of: its webhooks' client configs (null: it does not exist) and how to patch it.</summary>
internal sealed record WebhookConfigurationTarget(string Kind, string Name, IReadOnlyList<Admissionregistrationv1WebhookClientConfig?>? Webhooks, Func<V1Patch, Task> Patch);
