package admin

import "github.com/mpauth/mpauth/models"

// The rows and names the dashboard shows, as this package's vocabulary: the
// HTTP layer speaks of them without importing the data layer.
type (
	// LoginAuditRow is one login or phone attempt.
	LoginAuditRow = models.LoginAudit
	// AdminAuditRow is one administrator action.
	AdminAuditRow = models.AdminAudit
	// Account is a dashboard account.
	Account = models.AdminUser
)

// Roles of dashboard accounts: a viewer sees masked data only.
const (
	RoleAdmin  = models.RoleAdmin
	RoleViewer = models.RoleViewer
)

// Audit events, results, admin actions and targets, as the pages filter and
// label them.
const (
	EventLogin          = models.EventLogin
	EventPhoneCode      = models.EventPhoneCode
	EventPhoneEncrypted = models.EventPhoneEncrypted
	EventLogout         = models.EventLogout
	ResultSuccess       = models.ResultSuccess
	ResultFailure       = models.ResultFailure

	ActionSignIn         = models.ActionSignIn
	ActionSignInFailed   = models.ActionSignInFailed
	ActionSignInLocked   = models.ActionSignInLocked
	ActionSignOut        = models.ActionSignOut
	ActionRevealPhone    = models.ActionRevealPhone
	ActionExport         = models.ActionExport
	ActionPhoneSearch    = models.ActionPhoneSearch
	ActionBlockUser      = models.ActionBlockUser
	ActionUnblockUser    = models.ActionUnblockUser
	ActionRevokeSession  = models.ActionRevokeSession
	ActionRevokeSessions = models.ActionRevokeSessions
	ActionCreateAdmin    = models.ActionCreateAdmin
	ActionResetPassword  = models.ActionResetPassword
	ActionUnlock         = models.ActionUnlock

	TargetAdmin = models.TargetAdmin
	TargetUser  = models.TargetUser
	TargetList  = models.TargetList

	PhoneSourceCode      = models.PhoneSourceCode
	PhoneSourceEncrypted = models.PhoneSourceEncrypted
)
