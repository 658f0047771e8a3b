namespace DeadlineGuard.Json;

/// <summary>
/// A member of an object whose members a scan was asked to record (<see cref="JsonPathSet.CaptureMembers"/>):
/// the slot of the object that holds it, where its unescaped name lies (in the text, or in the scan's own
/// copy when the name was escaped), and its value.
/// </summary>
public readonly record struct JsonMember(int Owner, int NameStart, int NameLength, bool NameCopied, JsonSlot Value);
