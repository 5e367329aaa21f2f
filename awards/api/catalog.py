"""What a field app needs to learn ids: the campaigns, clusters and teams a reader may read,
scoped as the leaderboards are (``awards.permissions.campaign_accesses``).

- ``GET /campaigns/`` and ``GET /campaigns/{code}/``: with the phases and, for a reader of
  one cluster's board (an agent), ``default_cluster``: the board they get without naming one;
- ``GET /clusters/`` and ``GET /clusters/{id}/``; ``GET /teams/`` and ``GET /teams/{id}/``.

The phases are listed by ``awards.api.phases`` (``GET /phases/``). Staff read every
campaign of the offices they reach; an organization's managers the campaigns and clusters
their agents compete in; an agent their own. Anything else is not found (404).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets

from awards.permissions import campaign_accesses, readable_campaigns, readable_clusters, readable_teams
from campaigns.models import Campaign, Cluster, Phase, Team
from core.listing import IntegerFilter
from core.times import ZonedTimesMixin

# --- Filters ----------------------------------------------------------------------------


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Campaign.Status.choices, label=_("status"))

    class Meta:
        model = Campaign
        fields = []


class ClusterFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__code", label=_("campaign code"))

    class Meta:
        model = Cluster
        fields = []


class TeamFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(field_name="campaign__code", label=_("campaign code"))
    cluster = IntegerFilter(field_name="clusters", label=_("cluster"), distinct=True)

    class Meta:
        model = Team
        fields = []


# --- Shapes -----------------------------------------------------------------------------


class CatalogPhaseSerializer(ZonedTimesMixin, serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "number", "name", "start", "cutoff", "status", "status_display"]
        read_only_fields = fields


class CatalogClusterBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cluster
        fields = ["id", "number", "name"]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    organizer = serializers.CharField(source="organizer.code", read_only=True, help_text=_("BHXH unit code."))
    phases = serializers.SerializerMethodField()
    default_cluster = serializers.SerializerMethodField(
        help_text=_("The cluster whose leaderboard you get without naming one (an agent's own); null for staff.")
    )

    class Meta:
        model = Campaign
        fields = [
            "code",
            "name",
            "theme",
            "status",
            "status_display",
            "organizer",
            "products",
            "time_zone",
            "phases",
            "default_cluster",
        ]
        read_only_fields = fields

    @extend_schema_field(CatalogPhaseSerializer(many=True))
    def get_phases(self, campaign: Campaign):
        phases = sorted(campaign.phases.all(), key=lambda phase: phase.number)
        for phase in phases:
            phase.campaign = campaign
        return CatalogPhaseSerializer(phases, many=True).data

    @extend_schema_field(CatalogClusterBriefSerializer(allow_null=True))
    def get_default_cluster(self, campaign: Campaign):
        access = self.context["accesses"].get(campaign.pk)
        cluster_id = access.default_cluster_id if access is not None else None
        cluster = next((c for c in campaign.clusters.all() if c.pk == cluster_id), None)
        return CatalogClusterBriefSerializer(cluster).data if cluster is not None else None


class ClusterSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(slug_field="code", read_only=True)
    default = serializers.SerializerMethodField(
        help_text=_("Whether it is the cluster whose leaderboard you get without naming one.")
    )

    class Meta:
        model = Cluster
        fields = ["id", "campaign", "number", "name", "default"]
        read_only_fields = fields

    def get_default(self, cluster: Cluster) -> bool:
        access = self.context["accesses"].get(cluster.campaign_id)
        return access is not None and access.default_cluster_id == cluster.pk


class TeamSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(slug_field="code", read_only=True)
    locality = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    clusters = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text=_("Cluster ids."))

    class Meta:
        model = Team
        fields = ["id", "campaign", "code", "name", "locality", "unit", "clusters"]
        read_only_fields = fields


# --- Views ------------------------------------------------------------------------------


class _Catalog(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A read-only list scoped as the leaderboards are."""

    reach_scope = "reach"  # staff within their reach; agents and managers their own campaigns (campaign_accesses)

    @property
    def accesses(self):
        if not hasattr(self, "_accesses"):
            self._accesses = campaign_accesses(self.request.user)
        return self._accesses

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "accesses": self.accesses}


_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description=_("Campaign code."), pattern=r"^[-a-zA-Z0-9_]+$"
)
_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=_("Id."))


class CampaignViewSet(_Catalog):
    """The campaigns you may read, newest first, with their phases."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return (
            readable_campaigns(self.accesses)
            .select_related("organizer")
            .prefetch_related("phases", "clusters")
            .order_by("-created_at", "code")
        )

    @extend_schema(parameters=[_CODE])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ClusterViewSet(_Catalog):
    """The clusters you may read the leaderboards of."""

    serializer_class = ClusterSerializer
    filterset_class = ClusterFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return readable_clusters(self.accesses).select_related("campaign").order_by("campaign_id", "number")

    @extend_schema(parameters=[_ID])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class TeamViewSet(_Catalog):
    """The teams you may read: staff every team of their campaigns; an agent their own
    teams; an organization's managers the teams of their agents."""

    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            readable_teams(self.request.user, self.accesses)
            .select_related("campaign", "locality", "unit")
            .prefetch_related("clusters")
            .order_by("campaign_id", "code")
        )

    @extend_schema(parameters=[_ID])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
