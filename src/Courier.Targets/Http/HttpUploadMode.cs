namespace Courier.Targets.Http;

/// <summary>How an <c>http</c> target uploads an object.</summary>
internal enum HttpUploadMode
{
    /// <summary>PUT to a hidden temp name next to the final one, then WebDAV <c>MOVE</c> onto the final URL: no partial file is ever visible. The default.</summary>
    Move,

    /// <summary>One PUT straight to the final URL, for origins without MOVE (atomic only where the server writes a PUT body aside first, as nginx does).</summary>
    Put,
}
