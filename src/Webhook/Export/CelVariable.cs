namespace DeadlineGuard.Export;

/// <summary>A named CEL expression of a policy's spec.variables, read elsewhere as variables.NAME.</summary>
public sealed record CelVariable(string Name, string Expression)
{
    public string Reference => "variables." + Name;
}
