namespace DeadlineGuard.Tests.Export;

/// <summary>The test double of the API server's number handling, against what Go's encoding/json writes.</summary>
public sealed class ApiServerJsonTests
{
    [Theory]
    [InlineData("60", "60")]
    [InlineData("60.0", "60")]
    [InlineData("6.5", "6.5")]
    [InlineData("-1", "-1")]
    [InlineData("1e2", "100")]
    [InlineData("1e99", "1e+99")]
    [InlineData("1E+99", "1e+99")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("1e21", "1e+21")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1e-7")]
    [InlineData("1.5e-10", "1.5e-10")]
    [InlineData("2147483648", "2147483648")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("9223372036854775808", "9223372036854776000")]
    [InlineData("123456789.25", "123456789.25")]
    [InlineData("-0.0", "-0")]
    public void Numbers_are_written_as_gos_encoding_json_writes_the_value_decoded(string json, string go) =>
        ApiServerJson.GoText(json).ShouldBe(go);
}
