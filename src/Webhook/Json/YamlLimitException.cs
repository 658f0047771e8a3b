using YamlDotNet.Core;

namespace DeadlineGuard.Json;

/// <summary>YAML refused for its size (bytes, nesting, values, characters, aliasing) rather than its syntax; see <see cref="YamlLimits"/>.</summary>
public sealed class YamlLimitException(Mark at, string message) : YamlException(at, at, message);
