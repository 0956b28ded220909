"""``party.v1.PartyService``: the party organisation of the grid, four levels, answered from
:class:`~services.fusion.organisations.OrganisationStore`, and each grid's county contacts (包管,
机关联系网格) from :class:`~services.fusion.contacts.ContactStore`, and the co-governance actors
from :class:`~services.fusion.co_governance.CoGovernanceStore`."""

from __future__ import annotations

import asyncio

import grpc
from gridfusion.party.v1 import party_pb2 as pb
from gridfusion.party.v1 import party_pb2_grpc as pb_grpc

from services.platform.clock import Clock
from services.reference import distance

from .activities import SIX_ONES, Activity, ActivityStore, missing_six
from .assessments import AssessmentStore
from .bulletins import BulletinStore
from .co_governance import Actor, CoGovernanceStore
from .contacts import Cadre, Contacts, ContactStore
from .meetings import AgendaItem, Decision, FollowUp, Meeting, MeetingStore
from .notices import NoticeSender
from .organisations import Organisation, OrganisationStore, Post, Refused, within
from .stations import CIRCLE_KM, Station, StationStore
from .submissions import Submission, SubmissionStore
from .timestamps import set_time, time_of

_CODES = {"not_found": grpc.StatusCode.NOT_FOUND, "invalid": grpc.StatusCode.INVALID_ARGUMENT,
          "exists": grpc.StatusCode.ALREADY_EXISTS, "state": grpc.StatusCode.FAILED_PRECONDITION}


def organisation_to_proto(org: Organisation) -> pb.Organisation:
    out = pb.Organisation(
        org_id=org.org_id, level=org.level, name=org.name, parent_id=org.parent_id, street_id=org.street_id,
        community_id=org.community_id, grid_id=org.grid_id, compound_id=org.compound_id,
        party_members=org.party_members, source=org.source, updated_by=org.updated_by,
        posts=[pb.Post(post=p.post, name=p.name, phone=p.phone, member_id=p.member_id) for p in org.posts])
    set_time(out.updated_at, org.updated_at)
    return out


def contacts_to_proto(c: Contacts) -> pb.GridContacts:
    out = pb.GridContacts(grid_id=c.grid_id, paired_agencies=c.paired_agencies, source=c.source,
                          updated_by=c.updated_by,
                          cadres=[pb.Cadre(role=x.role, name=x.name, phone=x.phone, agency=x.agency) for x in c.cadres])
    set_time(out.updated_at, c.updated_at)
    return out


def actor_to_proto(a: Actor) -> pb.CoGovernanceActor:
    out = pb.CoGovernanceActor(**{k: v for k, v in a.__dict__.items() if k != "updated_at"})
    set_time(out.updated_at, a.updated_at)
    return out


def station_to_proto(s: Station) -> pb.Station:
    out = pb.Station(station_id=s.station_id, name=s.name, grid_id=s.grid_id, community_id=s.community_id,
                     street_id=s.street_id, lon=s.lon, lat=s.lat, checklist=s.checklist, source=s.source,
                     updated_by=s.updated_by)
    set_time(out.updated_at, s.updated_at)
    return out


def activity_to_proto(a: Activity) -> pb.Activity:
    out = pb.Activity(activity_id=a.activity_id, grid_id=a.grid_id, community_id=a.community_id,
                      street_id=a.street_id, kind=a.kind, title=a.title, place=a.place, hours=a.hours,
                      status=a.status, planned_by=a.planned_by, signed_up=a.signed_up, attended=a.attended)
    set_time(out.starts_at, a.starts_at)
    set_time(out.held_at, a.held_at)
    return out


def submission_to_proto(x: Submission) -> pb.WeeklySubmission:
    out = pb.WeeklySubmission(week=x.week, grid_id=x.grid_id, community_id=x.community_id, street_id=x.street_id,
                              text=x.text, figures=x.figures, submitted_by=x.submitted_by, revision=x.revision)
    set_time(out.submitted_at, x.submitted_at)
    return out


def bulletin_to_proto(doc: dict) -> pb.Bulletin:
    out = pb.Bulletin(week=doc["week"], street_id=doc["street_id"], not_submitted=doc["not_submitted"],
                      text=doc.get("text", ""), issued_by=doc.get("issued_by", ""), revision=doc.get("revision", 1),
                      ranking=[pb.RankedGrid(**r) for r in doc["ranking"]])
    set_time(out.issued_at, doc.get("issued_at"))
    return out


def decision_to_proto(d: Decision) -> pb.Decision:
    out = pb.Decision(decision_id=d.decision_id, meeting_id=d.meeting_id, grid_id=d.grid_id,
                      community_id=d.community_id, street_id=d.street_id, text=d.text, owner=d.owner,
                      case_id=d.case_id, action=d.action, department=d.department, status=d.status,
                      outcome=d.outcome, closed_by=d.closed_by, closing_note=d.closing_note,
                      followed_up_in=d.followed_up_in)
    set_time(out.due_at, d.due_at)
    set_time(out.closed_at, d.closed_at)
    return out


def meeting_to_proto(m: Meeting) -> pb.Meeting:
    out = pb.Meeting(meeting_id=m.meeting_id, grid_id=m.grid_id, community_id=m.community_id, street_id=m.street_id,
                     title=m.title, place=m.place, status=m.status, convened_by=m.convened_by,
                     invitees=[pb.Invitee(party=i.party, name=i.name, org_id=i.org_id) for i in m.invitees],
                     agenda=[pb.AgendaItem(item_id=a.item_id, kind=a.kind, ref=a.ref, title=a.title) for a in m.agenda],
                     minutes=m.minutes, attendees=m.attendees, recorded_by=m.recorded_by,
                     decisions=[decision_to_proto(d) for d in m.decisions])
    set_time(out.starts_at, m.starts_at)
    set_time(out.held_at, m.held_at)
    return out


def assessment_to_proto(doc: dict) -> pb.Assessment:
    out = pb.Assessment(week=doc["week"], weights=doc["weights"], assessed_by=doc.get("assessed_by", ""),
                        revision=doc.get("revision", 1), grids=[pb.GridScore(**g) for g in doc["grids"]])
    set_time(out.assessed_at, doc.get("assessed_at"))
    return out


def notice_to_proto(doc: dict) -> pb.Notice:
    out = pb.Notice(notice_id=doc["_id"], case_id=doc["case_id"], grid_id=doc["grid_id"], change=doc["change"],
                    level=doc.get("level", ""), category=doc.get("category", ""), note=doc.get("note", ""),
                    status=doc["status"], text=doc.get("text", ""),
                    recipients=[pb.NoticeRecipient(**r) for r in doc.get("recipients", [])])
    set_time(out.created_at, doc.get("created_at"))
    set_time(out.sent_at, doc.get("sent_at"))
    return out


class PartyServicer(pb_grpc.PartyServiceServicer):
    def __init__(self, store: OrganisationStore, contacts: ContactStore, co_governance: CoGovernanceStore,
                 stations: StationStore, activities: ActivityStore, submissions: SubmissionStore,
                 bulletins: BulletinStore, meetings: MeetingStore, assessments: AssessmentStore,
                 notices: NoticeSender, clock: Clock) -> None:
        self.store = store
        self.contacts = contacts
        self.co_governance = co_governance
        self.stations = stations
        self.activities = activities
        self.submissions = submissions
        self.bulletins = bulletins
        self.meetings = meetings
        self.assessments = assessments
        self.notices = notices
        self.clock = clock

    async def _run(self, context, coro):
        try:
            return await coro
        except Refused as exc:
            await context.abort(_CODES[exc.kind], str(exc))

    async def ListOrganisations(self, request, context) -> pb.ListOrganisationsResponse:
        area = request.area
        items = [o for o in await self.store.tree() if within(o, area.street_id, area.community_id, area.grid_id)]
        return pb.ListOrganisationsResponse(items=[organisation_to_proto(o) for o in items],
                                            reference_version=self.store.version)

    async def SetPosts(self, request, context) -> pb.Organisation:
        posts = [Post(p.post, p.name, p.phone, p.member_id) for p in request.posts]
        return organisation_to_proto(await self._run(
            context, self.store.set_posts(request.org_id, posts, request.actor, self.clock.now())))

    async def AddGroup(self, request, context) -> pb.Organisation:
        return organisation_to_proto(await self._run(context, self.store.add_group(
            request.parent_id, request.name, request.compound_id, request.actor, self.clock.now())))

    async def GetGridContacts(self, request, context) -> pb.GridContacts:
        return contacts_to_proto(await self._run(context, self.contacts.get(request.grid_id)))

    async def SetGridContacts(self, request, context) -> pb.GridContacts:
        cadres = [Cadre(c.role, c.name, c.phone, c.agency) for c in request.cadres]
        return contacts_to_proto(await self._run(context, self.contacts.set(
            request.grid_id, cadres, list(request.paired_agencies), request.actor, self.clock.now())))

    async def ListCoGovernance(self, request, context) -> pb.ListCoGovernanceResponse:
        a = request.area
        listed = await self.co_governance.in_area(a.street_id, a.community_id, a.grid_id, request.kind)
        return pb.ListCoGovernanceResponse(items=[actor_to_proto(x) for x in listed])

    async def SaveCoGovernance(self, request, context) -> pb.CoGovernanceActor:
        r = request.record
        record = Actor(r.org_id, r.kind, r.name, r.grid_id, r.compound_id, contact_name=r.contact_name,
                       contact_phone=r.contact_phone)
        return actor_to_proto(await self._run(context, self.co_governance.save(record, request.actor, self.clock.now())))

    async def ListStations(self, request, context) -> pb.ListStationsResponse:
        a = request.area
        return pb.ListStationsResponse(items=[station_to_proto(x) for x in await self.stations.in_area(
            a.street_id, a.community_id, a.grid_id)])

    async def SetChecklist(self, request, context) -> pb.Station:
        return station_to_proto(await self._run(context, self.stations.set_checklist(
            request.station_id, dict(request.checklist), request.actor, self.clock.now())))

    async def ListCircleGaps(self, request, context) -> pb.ListCircleGapsResponse:
        a = request.area
        gaps, _ = await asyncio.to_thread(self.stations.gaps)  # once per version: numpy, off the loop
        inside = [g for g in gaps if (not a.grid_id or g.grid_id == a.grid_id)
                  and (not a.community_id or g.community_id == a.community_id)
                  and (not a.street_id or g.street_id == a.street_id)]
        households = len(self.stations.households_in(a.street_id, a.community_id, a.grid_id))
        start = (max(request.page, 1) - 1) * request.page_size
        return pb.ListCircleGapsResponse(
            items=[pb.CircleGap(**g.__dict__) for g in inside[start:start + request.page_size]], total=len(inside),
            households=households, circle_km=CIRCLE_KM, detour=distance.DETOUR)

    async def PlanActivity(self, request, context) -> pb.Activity:
        r = request.activity
        if time_of(r.starts_at) is None:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "starts_at: when the activity starts")
        planned = Activity("", r.grid_id, r.kind, r.title, time_of(r.starts_at), r.hours, r.place)
        return activity_to_proto(await self._run(context, self.activities.plan(planned, request.actor)))

    async def ListActivities(self, request, context) -> pb.ListActivitiesResponse:
        a = request.area
        listed, total = await self.activities.in_area(a.street_id, a.community_id, a.grid_id, request.kind,
                                                      time_of(request.since), time_of(request.until), request.page,
                                                      request.page_size)
        return pb.ListActivitiesResponse(items=[activity_to_proto(x) for x in listed], total=total)

    async def GetActivity(self, request, context) -> pb.Activity:
        return activity_to_proto(await self._run(context, self.activities.get(request.activity_id)))

    async def SignUp(self, request, context) -> pb.Activity:
        return activity_to_proto(await self._run(context, self.activities.sign_up(
            request.activity_id, request.username, request.grid_id)))

    async def RecordAttendance(self, request, context) -> pb.Activity:
        return activity_to_proto(await self._run(context, self.activities.record_attendance(
            request.activity_id, list(request.attended), self.clock.now())))

    async def SixOnes(self, request, context) -> pb.SixOnesResponse:
        a = request.area
        listed, _ = await self.activities.in_area(a.street_id, a.community_id, a.grid_id, "",
                                                  time_of(request.since), time_of(request.until))
        missing = missing_six(self.activities.grids_in(a.street_id, a.community_id, a.grid_id), listed)
        return pb.SixOnesResponse(grids=[
            pb.SixOnesOfGrid(grid_id=g, missing=left, held=[k for k in SIX_ONES if k not in left])
            for g, left in sorted(missing.items())])

    async def SubmitWeek(self, request, context) -> pb.WeeklySubmission:
        return submission_to_proto(await self._run(context, self.submissions.submit(
            request.week, request.grid_id, request.text, dict(request.figures), request.actor, self.clock.now())))

    async def ListSubmissions(self, request, context) -> pb.ListSubmissionsResponse:
        a = request.area
        items, missing = await self.submissions.in_area(a.street_id, a.community_id, a.grid_id, request.week)
        return pb.ListSubmissionsResponse(items=[submission_to_proto(x) for x in items], missing=missing)

    async def IssueBulletin(self, request, context) -> pb.Bulletin:
        ranking = [{"grid_id": r.grid_id, "name": r.name, "rank": r.rank, "score": r.score} for r in request.ranking]
        return bulletin_to_proto(await self._run(context, self.bulletins.issue(
            request.week, request.street_id, ranking, list(request.not_submitted), request.text, request.issued_by,
            self.clock.now())))

    async def ListBulletins(self, request, context) -> pb.ListBulletinsResponse:
        return pb.ListBulletinsResponse(items=[bulletin_to_proto(d) for d in await self.bulletins.listed(
            request.street_id, request.week)])


    async def PlanMeeting(self, request, context) -> pb.Meeting:
        r = request.meeting
        if time_of(r.starts_at) is None:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "starts_at: when the meeting starts")
        planned = Meeting("", r.grid_id, r.title, time_of(r.starts_at), r.place)
        items = [AgendaItem("", a.kind, a.ref, a.title) for a in r.agenda]
        return meeting_to_proto(await self._run(context, self.meetings.plan(planned, items, request.actor)))

    async def GetMeeting(self, request, context) -> pb.Meeting:
        return meeting_to_proto(await self._run(context, self.meetings.get(request.meeting_id)))

    async def ListMeetings(self, request, context) -> pb.ListMeetingsResponse:
        a = request.area
        items, total = await self.meetings.in_area(a.street_id, a.community_id, a.grid_id, request.status,
                                                   request.page, request.page_size or 20)
        return pb.ListMeetingsResponse(items=[meeting_to_proto(m) for m in items], total=total)

    async def RecordMinutes(self, request, context) -> pb.Meeting:
        decisions = []
        for n, d in enumerate(request.decisions):
            if time_of(d.due_at) is None:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"decisions[{n}].due_at: when it is due")
            decisions.append(Decision("", d.text, d.owner, time_of(d.due_at), case_id=d.case_id, action=d.action,
                                      department=d.department))
        follow_ups = [FollowUp(f.ref, f.status, f.note) for f in request.follow_ups]
        return meeting_to_proto(await self._run(context, self.meetings.record_minutes(
            request.meeting_id, request.minutes, list(request.attendees), decisions, follow_ups, request.actor,
            self.clock.now())))

    async def SetDecisionOutcome(self, request, context) -> pb.Meeting:
        return meeting_to_proto(await self._run(context, self.meetings.set_outcome(
            request.meeting_id, request.decision_id, request.outcome)))

    async def ListDecisions(self, request, context) -> pb.ListDecisionsResponse:
        a = request.area
        listed = await self._run(context, self.meetings.decisions(a.street_id, a.community_id, a.grid_id,
                                                                  request.status, time_of(request.due_before)))
        return pb.ListDecisionsResponse(items=[decision_to_proto(d) for d in listed])

    async def CloseDecision(self, request, context) -> pb.Decision:
        return decision_to_proto(await self._run(context, self.meetings.close(
            request.meeting_id, request.decision_id, request.status, request.note, request.actor, self.clock.now())))

    async def SaveAssessment(self, request, context) -> pb.Assessment:
        grids = [{"grid_id": g.grid_id, "name": g.name, "rank": g.rank, "score": g.score,
                  "components": dict(g.components)} for g in request.grids]
        return assessment_to_proto(await self._run(context, self.assessments.save(
            request.week, grids, dict(request.weights), request.assessed_by, self.clock.now())))

    async def ListAssessments(self, request, context) -> pb.ListAssessmentsResponse:
        a = request.area
        docs = await self.assessments.listed(a.street_id, a.community_id, a.grid_id, request.week)
        return pb.ListAssessmentsResponse(items=[assessment_to_proto(d) for d in docs])

    async def ListNotices(self, request, context) -> pb.ListNoticesResponse:
        a = request.area
        docs = await self.notices.listed(self.activities.grids_in(a.street_id, a.community_id, a.grid_id),
                                         request.limit or 100)
        return pb.ListNoticesResponse(items=[notice_to_proto(d) for d in docs])
