"""The CLI of the interface contract, bad input included: one line, exit 1,
nothing changed."""

import pytest
from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Membership, Notification, Organisation, Region, User


def counts():
    return tuple(
        db.session.scalar(select(func.count(model.id))) for model in (Region, Organisation, User, Membership)
    )


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_create_region_org_and_user(runner):
    assert invoke(runner, "regions", "create", "mrc-a", "--name", "MRC A").exit_code == 0
    result = invoke(runner, "orgs", "create", "ville-a", "--name", "Ville A", "--region", "mrc-a")
    assert result.exit_code == 0, result.output
    result = invoke(
        runner,
        "users", "create", "Marie.Tremblay@Ville-A.qc.ca",
        "--name", "Marie Tremblay", "--password", "Sept-Iles-2026", "--org", "ville-a", "--role", "admin",
        "--regional-coordinator", "mrc-a",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.email == "marie.tremblay@ville-a.qc.ca"
    assert user.check_password("Sept-Iles-2026")
    assert user.password_hash != "Sept-Iles-2026"
    assert user.regional_region.slug == "mrc-a"
    assert user.memberships[0].role == "admin"
    assert user.memberships[0].organisation.region.slug == "mrc-a"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["orgs", "create", "ville-b", "--name", "Ville B", "--region", "nulle-part"], "nulle-part"),
        (["orgs", "create", "Ville B!", "--name", "Ville B"], "identifiant"),
        (["orgs", "create", "ville-a", "--name", "Doublon"], "existe déjà"),
        (["regions", "create", "mrc-a", "--name", "Doublon"], "existe déjà"),
        (["users", "create", "x@y.ca", "--name", "X Y", "--password", "Sept-Iles-2026",
          "--org", "inconnue", "--role", "member"], "inconnue"),
        (["users", "create", "pas-un-courriel", "--name", "X Y", "--password", "Sept-Iles-2026",
          "--org", "ville-a", "--role", "member"], "adresse courriel"),
        (["users", "create", "deja@ville-a.qc.ca", "--name", "X Y", "--password", "Sept-Iles-2026",
          "--org", "ville-a", "--role", "member"], "déjà"),
        (["users", "create", "x@ville-a.qc.ca", "--name", "X Y", "--password", "court",
          "--org", "ville-a", "--role", "member"], "au moins 12"),
        (["users", "create", "x@ville-a.qc.ca", "--name", "X Y", "--password", "motdepasse1234",
          "--org", "ville-a", "--role", "member"], "fuites"),
        (["users", "create", "x@ville-a.qc.ca", "--name", "X Y", "--password", "Sept-Iles-2026",
          "--org", "ville-a", "--role", "member", "--regional-coordinator", "mrc-z"], "mrc-z"),
        (["plans", "import-template", "--org", "inconnue"], "inconnue"),
    ],
)  # fmt: skip
def test_bad_input_one_line_nonzero_exit_nothing_changed(runner, args, expected):
    invoke(runner, "regions", "create", "mrc-a", "--name", "MRC A")
    invoke(runner, "orgs", "create", "ville-a", "--name", "Ville A", "--region", "mrc-a")
    invoke(
        runner, "users", "create", "deja@ville-a.qc.ca", "--name", "Déjà Là",
        "--password", "Sept-Iles-2026", "--org", "ville-a", "--role", "member",
    )  # fmt: skip
    before = counts()
    result = invoke(runner, *args)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Erreur\u00a0: ")
    assert expected in lines[0]
    assert counts() == before


def test_unknown_role_is_refused_by_click(runner):
    invoke(runner, "orgs", "create", "ville-a", "--name", "Ville A")
    result = invoke(
        runner, "users", "create", "x@ville-a.qc.ca", "--name", "X Y",
        "--password", "Sept-Iles-2026", "--org", "ville-a", "--role", "boss",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Erreur\u00a0: --role doit valoir l’une de ces valeurs\u00a0: admin, member, viewer."
    )
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_missing_option_or_an_unknown_one_is_one_line_too(runner):
    invoke(runner, "orgs", "create", "ville-a", "--name", "Ville A")
    missing = invoke(
        runner, "users", "create", "x@ville-a.qc.ca", "--name", "X Y", "--org", "ville-a", "--role", "member"
    )
    assert missing.exit_code == 2
    assert missing.output.strip() == "Erreur\u00a0: L’option --password est requise."
    unknown = invoke(runner, "regions", "create", "mrc-a", "--name", "MRC A", "--colour", "bleu")
    assert unknown.exit_code == 2
    assert unknown.output.strip() == "Erreur\u00a0: Option inconnue\u00a0: --colour."
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert "Usage" not in missing.output + unknown.output
    no_email = invoke(runner, "users", "create", "--name", "X Y", "--org", "ville-a", "--role", "member")
    assert no_email.exit_code == 2
    assert no_email.output.strip() == "Erreur\u00a0: Il manque l’argument EMAIL."


def test_demo_loads_once_and_says_how_to_sign_in(runner):
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    assert "http://retablir.test/login" in result.output
    assert "coordination@ville-demo.ca" in result.output
    assert "Demo-Retablir-2026" in result.output
    # Each sign-in line names the account's role.
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    assert "administrateur" in lines["coordination@ville-demo.ca"]
    assert "observateur" in lines["observateur@ville-demo.ca"]
    assert "membre" in lines["responsable@ville-demo.ca"]
    assert "coordination régionale" in lines["coordination@mrc-demo.ca"]
    assert db.session.scalar(select(func.count(Organisation.id))) == 2
    # Luc's bell is not empty: a mention, a status change and a comment on his tasks.
    kinds = db.session.scalars(
        select(Notification.kind)
        .join(User, User.id == Notification.user_id)
        .where(User.email == "responsable@ville-demo.ca", Notification.read_at.is_(None))
    ).all()
    assert sorted(kinds) == ["comment", "mention", "status"]
    before = counts()
    again = invoke(runner, "demo")
    assert again.exit_code == 1
    assert "déjà" in again.output
    assert counts() == before
    quiet = invoke(runner, "demo", "--if-empty")
    assert quiet.exit_code == 0
    assert counts() == before
