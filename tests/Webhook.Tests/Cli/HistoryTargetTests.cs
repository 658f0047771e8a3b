using DeadlineGuard.Cli;

namespace DeadlineGuard.Tests.Cli;

public sealed class HistoryTargetTests
{
    private static readonly string[] Existing = ["web", "rollout/web", "manifests", "checkout.yaml"];

    [Theory]
    [InlineData("-", HistoryTarget.Kind.Stdin, "-")]
    [InlineData("rollout/web", HistoryTarget.Kind.Cluster, "web")]
    [InlineData("rollouts/checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("ro/checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("Rollout/checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("rollout.argoproj.io/checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("rollouts.v1alpha1.argoproj.io/checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("checkout", HistoryTarget.Kind.Cluster, "checkout")]
    [InlineData("web.v2", HistoryTarget.Kind.Cluster, "web.v2")]
    [InlineData("web", HistoryTarget.Kind.Path, "web")]
    [InlineData("manifests", HistoryTarget.Kind.Path, "manifests")]
    [InlineData("checkout.yaml", HistoryTarget.Kind.Path, "checkout.yaml")]
    [InlineData("missing.yaml", HistoryTarget.Kind.Path, "missing.yaml")]
    [InlineData("missing.JSON", HistoryTarget.Kind.Path, "missing.JSON")]
    [InlineData("./rollout/web", HistoryTarget.Kind.Path, "./rollout/web")]
    [InlineData("deployment/web", HistoryTarget.Kind.Path, "deployment/web")]
    [InlineData("rollout.example.com/web", HistoryTarget.Kind.Path, "rollout.example.com/web")]
    [InlineData("Checkout", HistoryTarget.Kind.Path, "Checkout")]
    [InlineData("rollout/", HistoryTarget.Kind.Cluster, "")]
    public void A_word_names_stdin_a_path_or_a_rollout_in_the_cluster(string word, HistoryTarget.Kind source, string value) =>
        HistoryTarget.Resolve(word, Existing.Contains).ShouldBe(new HistoryTarget(source, value));

    [Fact]
    public void The_resource_prefix_wins_over_a_file_of_the_same_name() =>
        HistoryTarget.Resolve("rollout/web", _ => true).Source.ShouldBe(HistoryTarget.Kind.Cluster);
}
