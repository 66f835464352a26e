"""Sign-in, profile and organisation admin pages."""

from django.urls import path

from .views import audit, auth, custom_fields, departments, profile, roles, users

app_name = "org"
urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("logout/", auth.logout_view, name="logout"),
    # Django's admin site signs in through the same two-step sign-in, never around it.
    path("django-admin/login/", auth.admin_login, name="admin_login"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", auth.password_change, name="password_change"),
    path("profile/preferences/", profile.preferences, name="preferences"),
    path("profile/language/", profile.switch_language, name="switch_language"),
    path("profile/tokens/", profile.token_create, name="token_create"),
    path("profile/tokens/<int:id>/revoke/", profile.token_revoke, name="token_revoke"),
    path("profile/two-factor/", profile.two_factor_enrol, name="two_factor_enrol"),
    path("profile/two-factor/disable/", profile.two_factor_disable, name="two_factor_disable"),
    path("org/departments/", departments.department_list, name="department_list"),
    path("org/departments/new/", departments.department_create, name="department_create"),
    path("org/departments/<int:id>/", departments.department_edit, name="department_edit"),
    path("org/departments/<int:id>/delete/", departments.department_delete, name="department_delete"),
    path("org/users/", users.user_list, name="user_list"),
    path("org/users/new/", users.user_create, name="user_create"),
    path("org/users/<int:id>/", users.user_edit, name="user_edit"),
    path("org/users/<int:id>/password/", users.user_reset_password, name="user_reset_password"),
    path("org/users/<int:id>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("org/users/<int:id>/reactivate/", users.user_reactivate, name="user_reactivate"),
    path("org/users/<int:id>/two-factor/reset/", users.user_two_factor_reset, name="user_two_factor_reset"),
    path("org/roles/", roles.role_list, name="role_list"),
    path("org/roles/new/", roles.role_edit, name="role_create"),
    path("org/roles/<int:id>/", roles.role_edit, name="role_edit"),
    path("org/roles/<int:id>/delete/", roles.role_delete, name="role_delete"),
    path("org/custom-fields/", custom_fields.custom_field_list, name="custom_field_list"),
    path("org/custom-fields/new/", custom_fields.custom_field_create, name="custom_field_create"),
    path("org/custom-fields/<int:id>/", custom_fields.custom_field_edit, name="custom_field_edit"),
    path("org/custom-fields/<int:id>/deactivate/", custom_fields.custom_field_deactivate,
         name="custom_field_deactivate"),
    path("org/custom-fields/<int:id>/reactivate/", custom_fields.custom_field_reactivate,
         name="custom_field_reactivate"),
    path("org/audit/", audit.audit_list, name="audit_list"),
]
