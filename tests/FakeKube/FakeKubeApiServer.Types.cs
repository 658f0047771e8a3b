namespace DeadlineGuard.Tests.Support.FakeKube;

/// <summary>Types served and not served: a CRD installed (<see cref="Register"/>) or deleted.</summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>
    /// Stops serving a type (its objects go too), as deleting its CRD does: the API server then answers every path of it
    /// with 404 and the Status message "the server could not find the requested resource" (no object name), which is
    /// how a client tells "not installed" from "not found".
    /// </summary>
    public void Unregister(FakeKubeResource type) => store.Unregister(type);
}
