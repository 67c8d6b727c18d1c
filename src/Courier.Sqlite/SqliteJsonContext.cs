using System.Text.Json.Serialization;

namespace Courier.Sqlite;

/// <summary>Source-generated JSON for the value lists passed to <c>json_each</c>.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
