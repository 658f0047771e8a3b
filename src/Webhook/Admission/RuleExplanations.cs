using FluentValidation;

namespace DeadlineGuard.Admission;

internal static class RuleExplanations
{
    /// <summary>Names the field, the value found and the value required, both as the message and as the failure's state.</summary>
    public static IRuleBuilderOptions<T, TProperty> Explain<T, TProperty>(
        this IRuleBuilderOptions<T, TProperty> rule, string field, Func<TProperty, string> found, Requirement requirement, int? bound, string required) =>
        rule.Explain(field, found, requirement, _ => bound, _ => required);

    public static IRuleBuilderOptions<T, TProperty> Explain<T, TProperty>(
        this IRuleBuilderOptions<T, TProperty> rule, string field, Func<TProperty, string> found, Requirement requirement, Func<TProperty, int?> bound, Func<TProperty, string> required)
    {
        Violation Broken(TProperty value) => new(field, found(value), required(value)) { Requirement = requirement, Bound = bound(value) };
        return rule.OverridePropertyName(field)
            .WithState((_, value) => Broken(value))
            .WithMessage((_, value) => Broken(value).Message);
    }
}
