from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import audit_views, password_views, two_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", password_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", password_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("account/password/", password_views.change_password, name="password_change"),
    path("account/two-factor/enrol/", two_factor_views.enrol, name="two_factor_enrol"),
    path("account/two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("account/two-factor/recovery-codes/", two_factor_views.renew_recovery_codes, name="two_factor_recovery_codes"),
    path("audit/export/", audit_views.export, name="audit_export"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/settings/", views.notification_preferences, name="notification_preferences"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
