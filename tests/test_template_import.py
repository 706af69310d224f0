"""The ASCQ template becomes a plan: counts and texts word for word."""

import json

from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import OperationalObjective, Plan, Target, Task, Theme
from tasking.plans.template import load_template


def _import(runner, slug="ville-a"):
    result = runner.invoke(args=["plans", "import-template", "--org", slug])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_cli_prints_one_json_line_with_the_template_counts(runner, make):
    make.org("ville-a", "Ville A")
    result = runner.invoke(args=["plans", "import-template", "--org", "ville-a"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["themes"] == 6
    assert summary["objectives"] == 34
    assert summary["actions"] == 145
    assert summary["actions_per_theme"] == [24, 37, 18, 12, 30, 24]
    assert summary["general_objectives"] == 3
    assert summary["specific_objectives"] == 11
    plan = db.session.get(Plan, summary["plan_id"])
    assert plan.title == "Plan de rétablissement"
    assert plan.organisation.slug == "ville-a"


def test_database_holds_what_the_line_says(runner, make):
    make.org("ville-a", "Ville A")
    plan_id = _import(runner)["plan_id"]
    themes = db.session.scalars(select(Theme).where(Theme.plan_id == plan_id).order_by(Theme.position)).all()
    assert [t.title for t in themes] == [
        "Enjeux sociaux",
        "Sécurité urbaine",
        "Enjeux socioéconomiques",
        "Continuité - Rétablissement des services",
        "Communications",
        "Ressources humaines",
    ]
    assert [len(t.objectives) for t in themes] == [7, 7, 4, 4, 8, 4]
    assert [sum(len(o.tasks) for o in t.objectives) for t in themes] == [24, 37, 18, 12, 30, 24]
    assert db.session.scalar(select(func.count(Task.id)).where(Task.plan_id == plan_id)) == 145
    # Every target hangs off its objective, none loose.
    targets = db.session.scalar(
        select(func.count(Target.id)).join(OperationalObjective).join(Theme).where(Theme.plan_id == plan_id)
    )
    assert targets == sum(len(o["targets"]) for t in load_template()["themes"] for o in t["objectives"])


def test_texts_word_for_word(runner, make):
    make.org("ville-a", "Ville A")
    plan = db.session.get(Plan, _import(runner)["plan_id"])
    social, security, economic, continuity, communications, hr = plan.themes

    assert social.subtitle.startswith("Maintien des services à la population en fonction de la capacité")
    assert social.definition.startswith("Mettre en place des mesures d’accompagnement pour la population")
    assert social.category == "social" and security.category == "urban_security"
    assert economic.category == "economic" and hr.category == "transversal"
    assert social.colour != security.colour != economic.colour != hr.colour
    assert Theme.lines(social.missions_external) == ["CIUSSS/CISSS"]
    assert "Soutien aux personnes sinistrées" in Theme.lines(social.missions_internal)
    assert security.missions_text == "Sécurité des biens et des personnes"

    capacity = social.objectives[1]
    assert capacity.title == (
        "Soutenir la capacité des organismes à maintenir leur prestation de services et reprendre "
        "leurs activités sur la base d’un portrait de la situation"
    )
    continuity_plan = capacity.tasks[0]
    assert continuity_plan.title == "Plan de continuité des organismes"
    # A bullet's own sub-points stay inside that action's description.
    assert continuity_plan.description.splitlines() == [
        "-connaître les besoins",
        "-connaître les disponibilités",
        "-connaître leur capacité",
    ]
    assert [t.text for t in capacity.targets] == ["Portrait réalisé"]

    # A row with an empty objective cell continues the objective above it.
    criminogenic = security.objectives[3]
    assert criminogenic.title == "Augmenter nos connaissances sur les impacts criminogènes de la crise"
    assert [t.title for t in criminogenic.tasks] == [
        "Réaliser une veille des médias sociaux sur les actions et communications des services de police "
        "au Canada, USA et Europe",
        "Réaliser une veille scientifique sur les impacts criminogènes d’une crise",
    ]
    assert [t.text for t in criminogenic.targets] == ["À identifier (selon votre réalité té locale)"] * 2

    assert (
        "Rejoindre la population ciblée – Atteindre 65 % de la population, si impossible expliquer les écarts"
        in [t.text for t in security.objectives[0].targets]
    )
    assert Theme.lines(communications.communication_issues)[1] == (
        "S'assurer de faire respecter la ligne de communication par tous les émetteurs"
    )
    assert communications.objectives_heading == "Objectifs de communication"
    assert communications.objectives[5].targets[0].text == "Statutaire hebdomadaire"
    assert hr.actions_note == "3 niveaux = ORGANISATIONNEL (O), GESTIONNAIRES (G), EMPLOYÉ (E)"
    assert continuity.objectives[0].targets[0].text == "Déterminée par la Mission xxxxx"
    assert "Recommander les mesures requises pour assurer la sécurité financière de la Municipaité/Ville" in [
        t.title for t in economic.objectives[3].tasks
    ]

    general = plan.general_objectives
    assert [g.horizon for g in general] == ["short_medium", "short_medium", "long"]
    assert general[0].title == "Minimiser l'impact sur le facteur humain"
    numbers = [s.number for g in general for s in g.specific_objectives]
    assert numbers == ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3"]
    first = general[0].specific_objectives[0]
    assert (first.title, first.precision) == ("Activer l’équipe du rétablissement", "En cours - OMSC")


def test_template_file_matches_the_seed_document():
    """Every text of the data file stands in the seed, as written."""
    from pathlib import Path

    # shared/ lies beside the checkout, for developers and CI alike.
    seed = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_b5ce18969cdef54a.txt"
    assert seed.exists(), f"the seed template belongs beside the checkout, at {seed}"
    text = seed.read_text("utf-8")
    data = load_template()
    for theme in data["themes"]:
        for objective in theme["objectives"]:
            for line in objective["title"].splitlines():
                assert line in text
            for action in objective["actions"]:
                assert action["title"] in text
            for target in objective["targets"]:
                assert target in text


def test_import_twice_gives_two_independent_plans(runner, make):
    make.org("ville-a", "Ville A")
    first = _import(runner)["plan_id"]
    second = _import(runner)["plan_id"]
    assert first != second
    assert db.session.scalar(select(func.count(Task.id))) == 290


def test_unknown_org_is_refused_and_nothing_is_created(runner, make):
    make.org("ville-a", "Ville A")
    result = runner.invoke(args=["plans", "import-template", "--org", "ville-inconnue"])
    assert result.exit_code == 1
    assert "ville-inconnue" in result.output
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_custom_title(runner, make):
    make.org("ville-a", "Ville A")
    result = runner.invoke(
        args=["plans", "import-template", "--org", "ville-a", "--title", "Plan inondation 2026"]
    )
    plan = db.session.get(Plan, json.loads(result.output)["plan_id"])
    assert plan.title == "Plan inondation 2026"
