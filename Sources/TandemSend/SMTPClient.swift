import CCurl
import Foundation

/// One SMTP connection through libcurl: STARTTLS when the server offers it (smtp://), implicit
/// TLS for smtps://, credentials when given. The connection is kept between messages.
public final class SMTPClient {
    /// How a message fared.
    public enum Outcome: Equatable {
        case sent
        /// The server refused this message or its recipient (e.g. "550 mailbox unavailable"):
        /// record it as failed and go on with the others.
        case refused(String)
        /// The server cannot be used at all (unreachable, TLS, login): stop.
        case fatal(String)
    }

    private let handle: UnsafeMutableRawPointer
    private let url: String

    /// What the debug callback saw: the last command sent and the last reply line received.
    final class Transcript {
        var lastCommand = ""
        var lastReply = ""
        /// Replies of 400 and above with the command they answer.
        var refusals: [(command: String, reply: String)] = []
        var body: [UInt8] = []
        var offset = 0
    }
    private let transcript = Transcript()

    private static let initialised: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    public init?(url: String, user: String?, password: String?) {
        guard SMTPClient.initialised, let h = curl_easy_init() else { return nil }
        handle = h
        self.url = url
        _ = tandem_curl_string(h, CURLOPT_URL, url)
        _ = tandem_curl_long(h, CURLOPT_UPLOAD, 1)
        _ = tandem_curl_long(h, CURLOPT_NOSIGNAL, 1)
        _ = tandem_curl_long(h, CURLOPT_CONNECTTIMEOUT, 15)
        _ = tandem_curl_long(h, CURLOPT_TIMEOUT, 300)
        // STARTTLS whenever the server offers it; smtps:// is TLS from the first byte anyway.
        _ = tandem_curl_long(h, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        if let user { _ = tandem_curl_string(h, CURLOPT_USERNAME, user) }
        if let password { _ = tandem_curl_string(h, CURLOPT_PASSWORD, password) }
        _ = tandem_curl_long(h, CURLOPT_VERBOSE, 1)
        _ = tandem_curl_debug_function(h) { _, type, data, size, context in
            guard let context, let data else { return 0 }
            let t = Unmanaged<Transcript>.fromOpaque(context).takeUnretainedValue()
            let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
            let lines = text.split(whereSeparator: \.isNewline).map { String($0) }.filter { !$0.isEmpty }
            if type == CURLINFO_HEADER_IN, let last = lines.last {
                t.lastReply = last
                if let code = Int(last.prefix(3)), code >= 400 { t.refusals.append((t.lastCommand.uppercased(), last)) }
            }
            if type == CURLINFO_HEADER_OUT, let last = lines.last { t.lastCommand = last }
            return 0
        }
        _ = tandem_curl_pointer(h, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(transcript).toOpaque())
        _ = tandem_curl_read_function(h) { buffer, size, count, context in
            guard let context, let buffer else { return 0 }
            let t = Unmanaged<Transcript>.fromOpaque(context).takeUnretainedValue()
            let n = min(size * count, t.body.count - t.offset)
            t.body.withUnsafeBytes { raw in
                UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + t.offset, byteCount: n)
            }
            t.offset += n
            return n
        }
        _ = tandem_curl_pointer(h, CURLOPT_READDATA, Unmanaged.passUnretained(transcript).toOpaque())
    }

    deinit { curl_easy_cleanup(handle) }

    /// Sends one message to one recipient.
    public func send(_ bytes: [UInt8], from: String, to: String) -> Outcome {
        transcript.body = bytes
        transcript.offset = 0
        transcript.lastCommand = ""
        transcript.lastReply = ""
        transcript.refusals = []
        _ = tandem_curl_string(handle, CURLOPT_MAIL_FROM, "<\(from)>")
        let recipients = curl_slist_append(nil, "<\(to)>")
        defer { curl_slist_free_all(recipients) }
        _ = tandem_curl_list(handle, CURLOPT_MAIL_RCPT, recipients)
        _ = tandem_curl_long(handle, CURLOPT_INFILESIZE_LARGE, bytes.count)
        let result = curl_easy_perform(handle)
        if result == CURLE_OK { return .sent }
        let code = tandem_curl_response_code(handle)
        let reply = transcript.lastReply.trimmingCharacters(in: .whitespacesAndNewlines)
        // A refusal of RCPT TO, or of the message itself, concerns this message only. (The
        // message goes out as data after DATA, so a refusal of its content answers DATA.)
        if let refusal = transcript.refusals.first, refusal.command.hasPrefix("RCPT") || refusal.command.hasPrefix("DATA") {
            return .refused(refusal.reply.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let message = String(cString: curl_easy_strerror(result))
        return .fatal(reply.isEmpty || code == 0 ? message : "\(message) (\(reply))")
    }
}
