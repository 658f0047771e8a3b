using FluentValidation;

namespace DeadlineGuard.Admission;

/// <summary>Checks the Pitfalls section at start: the reconciler's namespaces are names, as <c>Reconciler:Namespaces</c> are.</summary>
public sealed class PitfallSettingsValidator : AbstractValidator<PitfallSettings>
{
    public PitfallSettingsValidator()
    {
        RuleFor(o => o.ReconcilerNamespaces)
            .Must(n => n.All(x => x is not null && Policy.NamespaceGlob.IsValid(x) && !x.Contains('*') && !x.Contains('?')))
            .WithMessage(o => $"must list namespace names (no globs), found {string.Join(", ", o.ReconcilerNamespaces.Select(n => $"\"{n}\""))}");
    }
}
