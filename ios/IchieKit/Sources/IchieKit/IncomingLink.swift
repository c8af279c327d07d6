import Foundation

/// Links the app is opened with, in app terms.
public enum IncomingLink: Sendable, Equatable {
    /// An activation link (`ichie://activate?…`), to inspect and activate.
    case activation(String)
    /// A token to add (`otpauth://…`).
    case otpauth(String)

    /// What `url` asks for: `ichie://activate?…` as it is; a universal link
    /// `https://<host>/activate?…` for one of `universalLinkHosts` as the
    /// same `ichie://activate?…` link; `otpauth://` and
    /// `otpauth-migration://` as tokens to add. `nil` for anything else.
    public static func parse(_ url: URL, universalLinkHosts: Set<String>) -> IncomingLink? {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased() else { return nil }
        switch scheme {
        case "ichie":
            guard components.host?.lowercased() == "activate", components.percentEncodedQuery != nil else { return nil }
            return .activation(url.absoluteString)
        case "https":
            guard let host = components.host?.lowercased(), universalLinkHosts.contains(host),
                  components.path == "/activate" || components.path == "/activate/",
                  let query = components.percentEncodedQuery else { return nil }
            return .activation("ichie://activate?" + query)
        case "otpauth", "otpauth-migration":
            return .otpauth(url.absoluteString)
        default:
            return nil
        }
    }
}
