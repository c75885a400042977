//! Who may do what: roles, permissions and the matrix between them (shared with the front end,
//! which uses it only to hide controls; the server enforces it).
use serde::{Deserialize, Serialize};

/// A user's role. Every user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: users, keys, imports, unmerge, export, delete; sees PII.
    Admin,
    /// Segments and campaigns; PII masked.
    Marketer,
    /// Read-only everywhere; PII masked.
    Analyst,
    /// Customer pages; may reveal one field of one customer with a stated reason (audited).
    Support,
    /// Data steward: decides which profiles are one person (the match review queue, merging
    /// by hand, undoing merges); sees personal data, which judging a match needs.
    Steward,
}

/// The permission segment and campaign data needs wherever it is read (see
/// [`Role::sees_marketing`]); the route policy names it for the customer page's segment and
/// campaign reads.
pub const MARKETING_DATA: Permission = Permission::ViewMarketing;

/// Every role, in display order.
pub const ROLES: [Role; 5] = [
    Role::Admin,
    Role::Marketer,
    Role::Analyst,
    Role::Support,
    Role::Steward,
];

/// One thing a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Dashboard and live charts (aggregates only).
    ViewDashboard,
    /// Customer list and customer pages (PII masked unless `ReadPii`).
    ViewCustomers,
    /// Add a customer by hand.
    AddCustomers,
    /// See PII unmasked.
    ReadPii,
    /// Reveal one PII field of one customer, with a reason.
    RevealPii,
    /// Change a customer's consent.
    EditConsent,
    /// Undo a merge.
    Unmerge,
    /// Download everything held on one person.
    ExportCustomers,
    /// Forget a person (right to be forgotten).
    DeleteCustomers,
    /// Segments, campaigns and catalog pages.
    ViewMarketing,
    /// Create and change segments and campaigns.
    EditMarketing,
    /// Settings pages: sources, imports, computed traits, field catalog.
    ViewSettings,
    /// Change data settings: sources and write keys, imports, computed traits, classification.
    ManageData,
    /// Add users and change roles.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Decide matches: approve or reject proposed pairs, merge customers by hand, run matching.
    Steward,
}

impl Role {
    /// Whether this role has `permission`: the one matrix the server enforces.
    pub fn can(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Admin => !matches!(permission, P::RevealPii),
            Role::Marketer => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewCustomers
                    | P::ViewMarketing
                    | P::EditMarketing
                    | P::ViewSettings
            ),
            Role::Analyst => matches!(
                permission,
                P::ViewDashboard | P::ViewCustomers | P::ViewMarketing | P::ViewSettings
            ),
            Role::Support => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewCustomers
                    | P::AddCustomers
                    | P::RevealPii
                    | P::EditConsent
            ),
            Role::Steward => matches!(
                permission,
                P::ViewDashboard
                    | P::ViewCustomers
                    | P::ReadPii
                    | P::Unmerge
                    | P::ViewSettings
                    | P::Steward
            ),
        }
    }

    /// Whether segment and campaign data (names included) may reach this role: the one rule the
    /// live websocket's streams, the dashboard and the customer page all apply. Those who
    /// cannot open the segments and campaigns pages see none of it anywhere else either.
    pub fn sees_marketing(self) -> bool {
        self.can(MARKETING_DATA)
    }

    /// The stored and URL form (`admin`, `marketer`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
            Role::Analyst => "analyst",
            Role::Support => "support",
            Role::Steward => "steward",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        ROLES.into_iter().find(|r| r.as_str() == text.trim())
    }

    /// What the role is for, in words.
    pub fn summary(self) -> &'static str {
        match self {
            Role::Admin => "Everything, including users, keys, unmerge, export and delete",
            Role::Marketer => "Segments and campaigns; personal data masked",
            Role::Analyst => "Read-only everywhere; personal data masked",
            Role::Support => "Customer pages; may reveal a field with a reason",
            Role::Steward => "Decides duplicate matches, merges and unmerges; sees personal data",
        }
    }
}

/// The signed-in user as pages and server fns see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// User id (hex).
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// The IANA time zone every time is shown in (`UTC` until the user chooses one).
    #[serde(default = "default_zone")]
    pub time_zone: String,
}

fn default_zone() -> String {
    super::time_zone::DEFAULT_ZONE.to_owned()
}

impl SessionUser {
    /// Whether the user has `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }

    /// Whether segment and campaign data may reach the user ([`Role::sees_marketing`]).
    pub fn sees_marketing(&self) -> bool {
        self.role.sees_marketing()
    }

    /// The zone the user reads times in.
    pub fn zone(&self) -> super::time_zone::UserZone {
        super::time_zone::UserZone::or_utc(&self.time_zone)
    }
}

/// An admin API token as the tokens page lists it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenSummary {
    /// Token id (hex).
    pub id: String,
    /// What it is for, as its creator named it.
    pub name: String,
    /// The secret's first characters, to tell tokens apart.
    pub prefix: String,
    /// The role requests made with it have.
    pub role: Role,
    /// Email of the admin it belongs to.
    pub owner: String,
    /// When created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it stops working by itself (`None`: never).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Last request made with it (to the minute).
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When revoked.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    /// The token as listed.
    pub token: ApiTokenSummary,
    /// The secret, for `Authorization: Bearer …`.
    pub secret: String,
}

/// A user as the users page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    /// User id (hex).
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// When added.
    pub created_at: chrono::DateTime<chrono::Utc>,
}
