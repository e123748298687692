"""The operator CLI creates the first users of a production installation."""

from erp_dashboard import cli
from erp_dashboard.services import auth


def test_create_user_then_sign_in(db, monkeypatch, capsys):
    monkeypatch.setenv("ERP_NEW_USER_PASSWORD", "a-long-secret-password")
    args = ["create-user", "--email", "Boss@Example.com", "--name", "Boss", "--role", "viewer"]
    assert cli.main([*args, "--company-admin"]) == 0
    assert "Created boss@example.com (Viewer)" in capsys.readouterr().out
    boss = auth.actor_for(auth.sign_in("boss@example.com", "a-long-secret-password"))
    assert (boss.name, boss.is_company_admin) == ("Boss", True)
    assert cli.main(args) == 1
    assert "already exists" in capsys.readouterr().err
